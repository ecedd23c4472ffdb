#include <brisk/config/config.hpp>
#include <brisk/config/describe.hpp>
#include <brisk/config/error.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/signal.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/app.hpp>
#include <brisk/server/daemon.hpp>
#include <brisk/server/log_file.hpp>
#include <brisk/server/repeat_filter.hpp>
#include <brisk/server/worker.hpp>

#include "open_files.hpp"
#include "privileges.hpp"
#include "process_metrics.hpp"
#include "service_manager.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <signal.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <variant>
#include <vector>

namespace brisk::server {
namespace {

using namespace std::chrono_literals;

// What the control thread holds for each worker thread. drain and force are
// made on the worker's own loop (a ThreadEvent belongs to the loop that waits
// on it) and only set by the control thread; stopped is the control loop's,
// set by the worker as it ends. All three are reached under events_mutex.
struct WorkerThread {
  std::thread thread;
  std::promise<void> started;
  ThreadEvent* drain = nullptr;
  ThreadEvent* force = nullptr;
  ThreadEvent* stopped = nullptr;
  std::mutex events_mutex;
  // Requests the worker's drain cancelled; written by the worker as it ends.
  std::atomic<std::size_t> cancelled{0};
};

std::string log_line(LogLevel level, std::string_view message) {
  char stamp[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.append(stamp).append(" [").append(to_string(level)).append("] ").append(message);
  return line;
}

// The error log as the runtime's log sink: lines below the configured level
// are dropped, floods of alike lines held back (RepeatFilter), and each line
// goes out in one write. A write that fails is counted by the LogFile and the
// first of a run is said on stderr, the one place left to say it.
class ErrorLog {
 public:
  ErrorLog(LogFile& file, LogLevel threshold) : file_(file), threshold_(threshold) {}

  void write(LogLevel level, std::string_view message) {
    if (level < threshold_) {
      return;
    }
    const std::int64_t second = now_second();
    report_held(second);
    if (filter_.admit(level, message, second)) {
      write_line(level, message);
    }
  }

  // Once a second, so that what was held back is reported in a quiet log too.
  void report_held() { report_held(now_second()); }

  LogFile& file() noexcept { return file_; }

 private:
  static std::int64_t now_second() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void report_held(std::int64_t second) {
    for (const auto& held : filter_.reports(second)) {
      write_line(held.level, held.text);
    }
  }

  void write_line(LogLevel level, std::string_view message) {
    if (const auto error = file_.write_line(log_line(level, message)); error && !file_.path().empty()) {
      std::cerr << "brisk: cannot write to the error log " << file_.name() << ": " << error.message()
                << "; its lines are dropped (brisk_log_lines_lost_total) until a write succeeds\n";
    }
  }

  LogFile& file_;
  LogLevel threshold_;
  RepeatFilter filter_;
};

void run_worker(App& app, WorkerMetrics& metrics, std::size_t index, std::size_t max_connections,
                WorkerThread& slot) {
  try {
    brisk::run(
        [](App& a, WorkerMetrics& m, std::size_t i, std::size_t max, WorkerThread& s) -> Task<void> {
          ThreadEvent drain;
          ThreadEvent force;
          {
            std::lock_guard lock(s.events_mutex);
            s.drain = &drain;
            s.force = &force;
          }
          Worker worker(a, m, i, max);
          std::exception_ptr failure;
          try {
            co_await worker.run(drain, force, [&s](std::exception_ptr e) {
              e ? s.started.set_exception(e) : s.started.set_value();
            });
          } catch (...) {
            failure = std::current_exception();
          }
          s.cancelled.store(worker.cancelled());
          {
            // The events die with this frame: the control thread must not
            // reach them afterwards, however the worker ended.
            std::lock_guard lock(s.events_mutex);
            s.drain = nullptr;
            s.force = nullptr;
            if (s.stopped != nullptr) {
              s.stopped->set();
            }
          }
          if (failure) {
            std::rethrow_exception(failure);
          }
        }(app, metrics, index, max_connections, slot),
        "worker-" + std::to_string(index));
  } catch (const std::exception& e) {
    log(LogLevel::error, "worker " + std::to_string(index) + " stopped: " + e.what());
    try {
      slot.started.set_exception(std::current_exception());
    } catch (const std::future_error&) {
      // It had started: the log line above is the whole story.
    }
  }
}

void set_all(std::vector<std::unique_ptr<WorkerThread>>& workers, ThreadEvent* WorkerThread::*which) {
  for (auto& w : workers) {
    std::lock_guard lock(w->events_mutex);
    if (ThreadEvent* ev = (*w).*which) {
      ev->set();
    }
  }
}

// Points every worker's `stopped` at the control loop's event while it lives.
class StoppedLink {
 public:
  StoppedLink(std::vector<std::unique_ptr<WorkerThread>>& workers, ThreadEvent& stopped) : workers_(workers) {
    point_at(&stopped);
  }
  ~StoppedLink() { point_at(nullptr); }
  StoppedLink(const StoppedLink&) = delete;
  StoppedLink& operator=(const StoppedLink&) = delete;

 private:
  void point_at(ThreadEvent* event) {
    for (auto& w : workers_) {
      std::lock_guard lock(w->events_mutex);
      w->stopped = event;
    }
  }
  std::vector<std::unique_ptr<WorkerThread>>& workers_;
};

bool all_stopped(std::vector<std::unique_ptr<WorkerThread>>& workers) {
  for (auto& w : workers) {
    std::lock_guard lock(w->events_mutex);
    if (w->drain != nullptr) {
      return false;
    }
  }
  return true;
}

Task<void> report_held_lines(ErrorLog& error_log) {
  for (;;) {
    co_await sleep(1s);
    error_log.report_held();
  }
}

// Here, off the workers' loops (process_metrics.hpp).
Task<void> count_open_fds(ProcessMetrics& process) {
  for (;;) {
    co_await sleep(5s);
    process.count_open_fds();
  }
}

// The signals the daemon handles. They are blocked from the start of
// run_daemon, so every thread it starts inherits the mask: a SIGTERM that
// arrives while the workers bind, before the control loop watches for it,
// waits instead of killing the process.
sigset_t daemon_signals() noexcept {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
    sigaddset(&set, sig);
  }
  return set;
}

// The second stage of a drain: the workers stop accepting and finish what
// is in flight.
void stop_accepting(const App& app, std::vector<std::unique_ptr<WorkerThread>>& workers) {
  log(LogLevel::info, "drain: stopped accepting; requests in flight get at most " +
                          std::to_string(app.config.timeouts.shutdown_ms.count()) + " ms");
  set_all(workers, &WorkerThread::drain);
}

// The first stage, after SIGTERM: everything is served as before, but
// /healthz says 503, so that a load balancer checking it takes this server
// out of rotation while its requests still succeed.
Task<void> stop_accepting_after(std::chrono::milliseconds delay, const App& app,
                                std::vector<std::unique_ptr<WorkerThread>>& workers) {
  co_await sleep(delay);
  stop_accepting(app, workers);
}

// Where a drain is: how many SIGTERM/SIGINT came, and the first stage's timer.
struct Drain {
  int signals = 0;
  std::optional<JoinHandle<void>> delay;
};

// What the daemon does on each signal. SIGUSR1: every worker has its own
// watcher and dumps its own tasks, so nothing here.
void handle_signal(App& app, LogFile& error_log, LogFile* access_log,
                   std::vector<std::unique_ptr<WorkerThread>>& workers, int sig, Drain& drain) {
  if (sig == SIGHUP) {
    // Each worker writes the lines it gathered before this to the old
    // access log, and its next line to the new one (log_buffer.hpp).
    service_manager::notify("RELOADING=1");
    bool ok = error_log.reopen() && (access_log == nullptr || access_log->reopen());
    log(ok ? LogLevel::info : LogLevel::error,
        ok ? "SIGHUP: log files reopened" : "SIGHUP: could not reopen a log file; still writing to the old one");
    service_manager::notify("READY=1");
  } else if (sig == SIGTERM || sig == SIGINT) {
    const std::string name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
    // SIGTERM is how a supervisor (systemd, Kubernetes, a deploy script)
    // stops a server behind a load balancer; SIGINT is Ctrl-C in a terminal.
    const auto delay = sig == SIGTERM ? app.config.timeouts.drain_delay_ms : std::chrono::milliseconds(0);
    if (++drain.signals == 1) {
      app.draining.store(true);
      service_manager::notify("STOPPING=1\nSTATUS=draining");
      if (delay.count() == 0) {
        log(LogLevel::info, name + ": draining");
        stop_accepting(app, workers);
      } else {
        log(LogLevel::info, name + ": draining: " + app.config.health.path +
                                " answers 503 and responses close their connections; accepting stops in " +
                                std::to_string(delay.count()) + " ms (timeouts.drain_delay_ms)");
        drain.delay = spawn(stop_accepting_after(delay, app, workers), "drain-delay");
      }
    } else {
      log(LogLevel::warning, name + " again: cancelling the requests still in flight");
      set_all(workers, &WorkerThread::force);
      set_all(workers, &WorkerThread::drain);
    }
  }
}

Task<void> control(App& app, ErrorLog& error_log, LogFile* access_log, ProcessMetrics& process,
                   std::vector<std::unique_ptr<WorkerThread>>& workers) {
  SignalSet signals{SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  // Watched now: what arrived meanwhile is delivered here.
  sigset_t handled = daemon_signals();
  pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  auto reporter = spawn(report_held_lines(error_log), "held-log-lines");
  // The service manager's watchdog hears from this loop, which handles the
  // signals: a daemon that can no longer be stopped is restarted.
  auto watchdog = spawn(
      []() -> Task<void> {
        if (auto every = service_manager::watchdog_interval()) {
          for (;;) {
            service_manager::notify("WATCHDOG=1");
            co_await sleep(*every);
          }
        }
      }(),
      "watchdog");
  auto fd_counter = spawn(count_open_fds(process), "open-fds");
  // Two kinds of news wake this loop: a signal, and a worker that ended (on
  // a drain, or on its own: none could bind, or all failed). A task for
  // each turns it into `news`; the loop clears `news` before it looks, so
  // nothing that happens while it looks is missed.
  Event news;
  std::deque<int> received;
  ThreadEvent stopped;
  StoppedLink watch(workers, stopped);
  auto signal_news = spawn(
      [](SignalSet& s, std::deque<int>& out, Event& wake) -> Task<void> {
        for (;;) {
          out.push_back(co_await s.next());
          wake.set();
        }
      }(signals, received, news),
      "signals");
  auto stop_news = spawn(
      [](ThreadEvent& ev, Event& wake) -> Task<void> {
        for (;;) {
          co_await ev.wait();
          ev.clear();
          wake.set();
        }
      }(stopped, news),
      "worker-stops");

  Drain drain;
  for (;;) {
    news.clear();
    while (!received.empty()) {
      int sig = received.front();
      received.pop_front();
      handle_signal(app, error_log.file(), access_log, workers, sig, drain);
    }
    if (all_stopped(workers)) {
      break;
    }
    co_await news.wait();
  }
  signal_news.cancel();
  stop_news.cancel();
  co_await signal_news.finished();
  co_await stop_news.finished();
  if (drain.delay) {
    // The workers all ended first (a second signal, or none could serve).
    drain.delay->cancel();
    co_await drain.delay->finished();
  }
  reporter.cancel();
  fd_counter.cancel();
  watchdog.cancel();
  co_await reporter.finished();
  co_await fd_counter.finished();
  co_await watchdog.finished();
}

// While alive, what is written to stdout goes to stderr: --check-config's
// stdout is the configuration, read as TOML, and a plugin may print.
class StdoutToStderr {
 public:
  StdoutToStderr() : saved_(flush_and_dup()) {
    if (saved_ >= 0) {
      ::dup2(STDERR_FILENO, STDOUT_FILENO);
    }
  }
  ~StdoutToStderr() {
    if (saved_ >= 0) {
      std::fflush(stdout);
      ::dup2(saved_, STDOUT_FILENO);
      ::close(saved_);
    }
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  static int flush_and_dup() {
    std::fflush(stdout);
    return ::dup(STDOUT_FILENO);
  }

  int saved_;
};

// Why the application cannot be built, and the exit status that says so.
struct Refusal {
  int status;
  std::string reason;
};

// A log file that cannot be opened is the configuration's mistake: the
// directory is missing, or brisk may not write there.
Refusal log_refusal(std::string_view key, const std::string& path, std::error_code error) {
  return Refusal{2, std::string(key) + " = \"" + path + "\": cannot open it for appending: " + error.message()};
}

std::variant<std::unique_ptr<LogFile>, Refusal> open_log(std::string_view key, const std::string& path,
                                                         LogFile::Default fallback) {
  try {
    return std::make_unique<LogFile>(path, fallback);
  } catch (const std::system_error& e) {
    return log_refusal(key, path, e.code());
  }
}

// Without an error log (it is the one that failed, or --check-config),
// stderr is the place to say why.
int refuse_on_stderr(const Refusal& refusal) {
  std::cerr << "brisk: cannot start: " << refusal.reason << '\n';
  return refusal.status;
}

// The application as a start builds it, the to_thread pool configured first
// (a plugin's setup may use it).
std::variant<std::unique_ptr<App>, Refusal> build_app(const config::Config& config, LogFile* access_log) {
  ThreadPool::configure_default({.threads = config.threads.blocking, .queue_capacity = config.threads.blocking_queue});
  set_edge_triggered(config.server.edge_triggered);
  if (config.server.edge_triggered && !edge_triggered_supported()) {
    log(LogLevel::info, "server.edge_triggered: this build's libuv was not verified for edge-triggered reads; "
                        "reading level-triggered");
  }
  try {
    return std::make_unique<App>(config, access_log);
  } catch (const config::ConfigError& e) {
    return Refusal{2, e.what()};
  } catch (const std::exception& e) {
    return Refusal{1, e.what()};
  }
}

// The logs' failed writes and lost lines in /metrics, labelled log="error"
// or log="access". The logs outlive the App that reads them.
void count_write_errors(Metrics& metrics, const LogFile& error_log, const LogFile* access_log) {
  std::vector<std::pair<std::string, const LogFile*>> logs{{"log=\"error\"", &error_log}};
  if (access_log != nullptr) {
    logs.emplace_back("log=\"access\"", access_log);
  }
  for (const auto& [label, file] : logs) {
    metrics.add_counter("brisk_log_write_errors_total",
                        "Writes to a log file that failed (a full disk); label: log, \"error\" or \"access\".", label,
                        [file] { return static_cast<double>(file->write_errors()); });
  }
  for (const auto& [label, file] : logs) {
    metrics.add_counter("brisk_log_lines_lost_total",
                        "Log lines dropped because their write failed; label: log, \"error\" or \"access\".", label,
                        [file] { return static_cast<double>(file->lines_lost()); });
  }
}

// Once every listener is bound: become server.user, or say that the daemon
// serves as root. 0, or 1 when the change failed (nothing is served then).
int settle_privileges(const std::optional<Account>& account) {
  if (!account) {
    if (::geteuid() == 0) {
      log(LogLevel::warning, "running as root: set server.user to serve as an unprivileged user once the "
                             "listeners are bound");
    }
    return 0;
  }
  try {
    become(*account);
  } catch (const std::exception& e) {
    log(LogLevel::error, "cannot become server.user = \"" + account->user + "\": " + e.what());
    return 1;
  }
  log(LogLevel::info, "serving as user " + account->user + " (uid " + std::to_string(account->uid) + ", gid " +
                          std::to_string(account->gid) + ")");
  return 0;
}

}  // namespace

int check_daemon(const config::Config& config) {
  try {
    configured_account(config.server);
  } catch (const config::ConfigError& e) {
    return refuse_on_stderr(Refusal{2, e.what()});
  }
  // Not opened: a file created here by root would be one the daemon, run
  // as another user, could not open.
  if (const auto error = LogFile::check_appendable(config.log.error_path)) {
    return refuse_on_stderr(log_refusal("log.error_path", config.log.error_path, error));
  }
  if (config.log.access) {
    if (const auto error = LogFile::check_appendable(config.log.access_path)) {
      return refuse_on_stderr(log_refusal("log.access_path", config.log.access_path, error));
    }
  }
  // What a start would log on the way (each plugin loaded) goes to stderr:
  // stdout is for the configuration.
  const LogLevel threshold = config.log.level;
  set_log_sink([threshold](LogLevel level, std::string_view message) {
    if (level >= threshold) {
      std::cerr << log_line(level, message) << '\n';
    }
  });
  std::optional<Refusal> refusal;
  {
    // Built and gone (plugins' teardown included) before the configuration
    // is printed.
    const StdoutToStderr plugins_print_to_stderr;
    auto built = build_app(config, nullptr);
    if (auto* failed = std::get_if<Refusal>(&built)) {
      refusal = std::move(*failed);
    }
  }
  set_log_sink(nullptr);
  if (refusal) {
    return refuse_on_stderr(*refusal);
  }
  std::cout << config::describe(config);
  return 0;
}

int run_daemon(const config::Config& config) {
  sigset_t handled = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  auto error_opened = open_log("log.error_path", config.log.error_path, LogFile::Default::err);
  if (const auto* refusal = std::get_if<Refusal>(&error_opened)) {
    return refuse_on_stderr(*refusal);
  }
  ErrorLog error_log(*std::get<std::unique_ptr<LogFile>>(error_opened), config.log.level);
  set_log_sink([&error_log](LogLevel level, std::string_view message) { error_log.write(level, message); });
  // From here on, why the start fails goes to the error log.
  auto refuse_in_log = [](const Refusal& refusal) {
    log(LogLevel::error, "cannot start: " + refusal.reason);
    set_log_sink(nullptr);
    return refusal.status;
  };
  std::optional<Account> account;
  try {
    account = configured_account(config.server);
  } catch (const config::ConfigError& e) {
    return refuse_in_log(Refusal{2, e.what()});
  }
  std::unique_ptr<LogFile> access_log;
  if (config.log.access) {
    auto access_opened = open_log("log.access_path", config.log.access_path, LogFile::Default::out);
    if (const auto* refusal = std::get_if<Refusal>(&access_opened)) {
      return refuse_in_log(*refusal);
    }
    access_log = std::move(std::get<std::unique_ptr<LogFile>>(access_opened));
  }

  auto built = build_app(config, access_log.get());
  if (const auto* refusal = std::get_if<Refusal>(&built)) {
    return refuse_in_log(*refusal);
  }
  const std::unique_ptr<App> app = std::move(std::get<std::unique_ptr<App>>(built));
  count_write_errors(app->metrics(), error_log.file(), access_log.get());
  ProcessMetrics process_metrics(app->metrics());

  const unsigned count = config::worker_count(config.server);
  const std::size_t served_connections = connections_within_open_file_limit(
      config.limits.max_connections, descriptors_besides_connections(count, config.threads.blocking),
      /*at_least=*/count);
  const std::size_t per_worker = std::max<std::size_t>(1, served_connections / count);
  std::vector<std::unique_ptr<WorkerThread>> workers;
  for (unsigned i = 0; i < count; ++i) {
    auto slot = std::make_unique<WorkerThread>();
    WorkerMetrics& metrics = app->metrics().add_worker();
    slot->thread = std::thread(run_worker, std::ref(*app), std::ref(metrics), i, per_worker, std::ref(*slot));
    workers.push_back(std::move(slot));
  }

  std::string failure;
  for (auto& w : workers) {
    try {
      w->started.get_future().get();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  int status = 0;
  if (!failure.empty()) {
    log(LogLevel::error, "cannot listen on " + config::to_string(config.server.listen) + ": " + failure);
    set_all(workers, &WorkerThread::drain);
    status = 1;
  } else {
    const std::string listening =
        "listening on " + config::to_string(config.server.listen) + " with " + std::to_string(count) + " worker(s)";
    log(LogLevel::info, "brisk " + listening);
    status = settle_privileges(account);
    if (status == 0) {
      service_manager::notify("READY=1\nSTATUS=" + listening);
    } else {
      set_all(workers, &WorkerThread::drain);
    }
  }

  if (status == 0) {
    try {
      brisk::run(control(*app, error_log, access_log.get(), process_metrics, workers), "control");
    } catch (const std::exception& e) {
      log(LogLevel::error, std::string("control loop failed, stopping the workers: ") + e.what());
      set_all(workers, &WorkerThread::force);
      set_all(workers, &WorkerThread::drain);
      status = 1;
    }
  }
  std::size_t cancelled = 0;
  for (auto& w : workers) {
    if (w->thread.joinable()) {
      w->thread.join();
    }
    cancelled += w->cancelled.load();
  }
  if (status == 0 && cancelled > 0) {
    log(LogLevel::warning, "brisk stopped after cancelling " + std::to_string(cancelled) + " request(s) in flight");
    status = drain_cancelled_status;
  } else if (status == 0) {
    log(LogLevel::info, "brisk stopped");
  }
  set_log_sink(nullptr);
  return status;
}

}  // namespace brisk::server
