#include "proxy/proxy_metrics.h"

#include <fmt/format.h>

namespace shipshape::proxy {
namespace {

std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

struct Row {
  std::string labels;
  const Upstream* upstream;
};

}  // namespace

std::string renderProxyMetrics(const std::vector<ServiceStatus>& services) {
  std::vector<Row> rows;
  for (const auto& s : services) {
    auto add = [&](const UpstreamPtr& u, const char* role) {
      if (!u) return;
      const auto& t = u->target();
      rows.push_back({fmt::format(R"(service="{}",role="{}",container="{}",release="{}")", escape(s.name), role,
                                  escape(t.container_name.empty() ? t.address() : t.container_name), t.release_id),
                      u.get()});
    };
    add(s.route.active, "active");
    add(s.route.standby, "standby");
  }
  std::string out;
  auto counter = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& r : rows) out += fmt::format("{}{{{}}} {}\n", name, r.labels, value(*r.upstream));
  };
  counter("shipshape_proxy_requests_total", "counter", "Requests the proxy finished for this upstream.",
          [](const Upstream& u) { return u.requests(); });
  counter("shipshape_proxy_responses_5xx_total", "counter", "Answers with a 5xx status sent to clients.",
          [](const Upstream& u) { return u.responses5xx(); });
  counter("shipshape_proxy_upstream_errors_total", "counter",
          "Requests the upstream failed (connect, reset, timeout): the proxy answered 502/504 or retried.",
          [](const Upstream& u) { return u.upstreamErrors(); });
  counter("shipshape_proxy_retries_total", "counter", "Idempotent requests moved to the standby after a connect failure.",
          [](const Upstream& u) { return u.retried(); });
  counter("shipshape_proxy_in_flight_requests", "gauge", "Requests in progress.",
          [](const Upstream& u) { return u.inFlight(); });
  counter("shipshape_proxy_websockets_open", "gauge", "Upgraded (WebSocket) connections open.",
          [](const Upstream& u) { return u.tunnels(); });

  const char* hist = "shipshape_proxy_request_duration_seconds";
  out += fmt::format("# HELP {} Time from the request header to the end of the answer.\n# TYPE {} histogram\n", hist,
                     hist);
  for (const auto& r : rows) {
    auto buckets = r.upstream->latencyBuckets();
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", hist, r.labels, kLatencyBuckets[i], buckets[i]);
    }
    out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", hist, r.labels, buckets.back());
    out += fmt::format("{}_sum{{{}}} {:.6f}\n", hist, r.labels, r.upstream->latencySumSeconds());
    out += fmt::format("{}_count{{{}}} {}\n", hist, r.labels, buckets.back());
  }
  return out;
}

}  // namespace shipshape::proxy
