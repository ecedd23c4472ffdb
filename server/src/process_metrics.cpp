#include "process_metrics.hpp"
#include "open_files.hpp"

#include <brisk/version.hpp>

#include <dirent.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace brisk::server {
namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double resident_bytes() {
  // statm: size, then resident, in pages.
  long size = 0;
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &size, &pages) != 2) {
      pages = 0;
    }
    std::fclose(f);
  }
  return static_cast<double>(pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double now_since_epoch() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace

// Built as the daemon starts: the start time is within milliseconds of the
// process's own.
ProcessMetrics::ProcessMetrics(Metrics& metrics) : start_time_(now_since_epoch()) {
  count_open_fds();
  metrics.add_counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", "", cpu_seconds);
  metrics.add_gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "", resident_bytes);
  metrics.add_gauge("process_open_fds", "Open file descriptors, counted every few seconds.", "",
                    [this] { return open_fds_.load(std::memory_order_relaxed); });
  metrics.add_gauge("process_max_fds", "The open-file limit (soft RLIMIT_NOFILE).", "", open_file_limit);
  metrics.add_gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", "",
                    [this] { return start_time_; });
  metrics.add_gauge("brisk_build_info",
                    "Always 1; labels: version, this brisk's version, and sdk, the plugin SDK build a plugin must "
                    "be built against.",
                    std::string("version=\"") + BRISK_VERSION + "\",sdk=\"" + BRISK_SDK_BUILD + "\"",
                    [] { return 1.0; });
}

void ProcessMetrics::count_open_fds() noexcept {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return;
  }
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    count += entry->d_name[0] == '.' ? 0 : 1;
  }
  closedir(dir);
  // Less the descriptor that read the directory.
  open_fds_.store(count - 1, std::memory_order_relaxed);
}

}  // namespace brisk::server
