#include <brisk/server/metrics.hpp>

#include <cstdio>

namespace brisk::server {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

void append_number(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.15g", v);  // a start time in whole seconds too
  out.append(buf, static_cast<std::size_t>(n));
}

void header(std::string& out, const char* name, const char* help, const char* type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Label values are route patterns: escape what the text format requires.
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
    }
    if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

WorkerMetrics::WorkerMetrics(std::size_t routes) : requests_(routes + 1) {}

void WorkerMetrics::count_request(std::size_t route, int status, std::chrono::nanoseconds took) noexcept {
  std::size_t cls = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : 4;
  if (route >= requests_.size()) {
    route = requests_.size() - 1;
  }
  bump(requests_[route][cls], 1);
  double seconds = std::chrono::duration<double>(took).count();
  std::size_t bucket = 0;
  while (bucket < latency_bounds.size() && seconds > latency_bounds[bucket]) {
    ++bucket;
  }
  bump(latency_buckets_[bucket], 1);
  bump(latency_sum_ns_, took.count());
}

Metrics::Metrics(std::vector<RouteLabel> routes) : routes_(std::move(routes)) {}

WorkerMetrics& Metrics::add_worker() {
  workers_.push_back(std::make_unique<WorkerMetrics>(routes_.size()));
  return *workers_.back();
}

void Metrics::add_gauge(std::string family, std::string help, std::string labels, std::function<double()> read) {
  scraped_.push_back(Scraped{std::move(family), std::move(help), "gauge", std::move(labels), std::move(read)});
}

void Metrics::add_counter(std::string family, std::string help, std::string labels, std::function<double()> read) {
  scraped_.push_back(Scraped{std::move(family), std::move(help), "counter", std::move(labels), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);

  header(out, "brisk_requests_total",
         "Requests answered; labels: route, the pattern of the route that took it (\"unmatched\": none did), "
         "method, the route's method (\"unmatched\" too), and status, the class of the status code (2xx).",
         "counter");
  static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    // Requests no route took (404, 405, rejected before routing) count as
    // route="unmatched", method="unmatched": an empty label is no label to
    // Prometheus, and the method a client sent is not bounded.
    std::string route = r < routes_.size() ? escape_label(routes_[r].pattern) : "unmatched";
    std::string method = r < routes_.size() ? routes_[r].method : "unmatched";
    for (std::size_t c = 0; c < 5; ++c) {
      std::uint64_t n = 0;
      for (const auto& w : workers_) {
        n += w->requests_[r][c].load(relaxed);
      }
      if (n == 0 && c != 1) {
        continue;  // keep the output short: only classes seen, and 2xx always
      }
      out.append("brisk_requests_total{route=\"").append(route).append("\",method=\"").append(method);
      out.append("\",status=\"").append(classes[c]);
      out.append("\"} ").append(std::to_string(n)).append("\n");
    }
  }

  auto sum = [&](auto member) {
    double total = 0;
    for (const auto& w : workers_) {
      total += static_cast<double>(((*w).*member).load(relaxed));
    }
    return total;
  };
  auto scalar = [&](const char* name, const char* help, const char* type, double v) {
    header(out, name, help, type);
    out.append(name).append(" ");
    append_number(out, v);
    out.append("\n");
  };
  scalar("brisk_requests_in_flight", "Requests being handled now.", "gauge", sum(&WorkerMetrics::in_flight));
  scalar("brisk_connections_open", "Open client connections.", "gauge", sum(&WorkerMetrics::connections_open));
  scalar("brisk_connections_total", "Connections accepted.", "counter", sum(&WorkerMetrics::connections_total));
  scalar("brisk_connections_refused_total", "Connections refused at max_connections.", "counter",
         sum(&WorkerMetrics::connections_refused));
  scalar("brisk_route_limit_waiters", "Requests waiting for a slot under a route's concurrency limit.", "gauge",
         sum(&WorkerMetrics::limit_waiters));
  scalar("brisk_route_limit_rejected_total", "Requests answered 503 by a route's concurrency limit.", "counter",
         sum(&WorkerMetrics::limit_rejected));
  scalar("brisk_received_bytes_total", "Bytes read from clients.", "counter", sum(&WorkerMetrics::bytes_received));
  scalar("brisk_sent_bytes_total", "Bytes written to clients.", "counter", sum(&WorkerMetrics::bytes_sent));

  header(out, "brisk_request_duration_seconds", "Time from request head to response queued.", "histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= WorkerMetrics::latency_bounds.size(); ++b) {
    for (const auto& w : workers_) {
      cumulative += w->latency_buckets_[b].load(relaxed);
    }
    out.append("brisk_request_duration_seconds_bucket{le=\"");
    if (b < WorkerMetrics::latency_bounds.size()) {
      append_number(out, WorkerMetrics::latency_bounds[b]);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append("brisk_request_duration_seconds_sum ");
  append_number(out, sum(&WorkerMetrics::latency_sum_ns_) / 1e9);
  out.append("\nbrisk_request_duration_seconds_count ").append(std::to_string(cumulative)).append("\n");

  header(out, "brisk_event_loop_lag_seconds",
         "How late a worker's loop ran a 100 ms timer, last sample; label: worker, the worker's number.", "gauge");
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    out.append("brisk_event_loop_lag_seconds{worker=\"").append(std::to_string(i)).append("\"} ");
    append_number(out, static_cast<double>(workers_[i]->loop_lag_us.load(relaxed)) / 1e6);
    out.append("\n");
  }

  const std::string* family = nullptr;
  for (const auto& g : scraped_) {
    if (family == nullptr || *family != g.family) {
      header(out, g.family.c_str(), g.help.c_str(), g.type);
      family = &g.family;
    }
    out.append(g.family);
    if (!g.labels.empty()) {
      out.append("{").append(g.labels).append("}");
    }
    out.append(" ");
    append_number(out, g.read());
    out.append("\n");
  }
  return out;
}

}  // namespace brisk::server
