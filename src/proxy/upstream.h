// An upstream is one container version behind a service's listener: where to connect, and what the proxy saw
// when it did. Counters are lock-free atomics read by /metrics; the recent-window ring (100 ms buckets, also
// lock-free) feeds the bake monitor, which must see a regression within a second.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shipshape::proxy {

struct UpstreamTarget {
  std::string host;  // the container's private IP (or 127.0.0.1 for a published port)
  unsigned short port = 0;
  std::string container_id, container_name;
  std::int64_t release_id = 0;

  std::string address() const;  // "172.17.0.5:8080"
};

// Requests answered in a recent window.
struct WindowCounts {
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // 5xx answers and requests the upstream failed (502/504 from the proxy)
  std::int64_t slow = 0;    // slower than the upstream's slow threshold
  double errorRatio() const { return requests ? static_cast<double>(errors) / static_cast<double>(requests) : 0; }
  double slowRatio() const { return requests ? static_cast<double>(slow) / static_cast<double>(requests) : 0; }
};

// Upper bounds (seconds) of the latency histogram, as Prometheus' default buckets.
inline constexpr std::array<double, 11> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10};

class Upstream {
 public:
  explicit Upstream(UpstreamTarget target);
  const UpstreamTarget& target() const { return target_; }

  // One proxied request: begin() before connecting, finish() when the answer went out (or failed).
  // `status` is what the client got; `upstream_failed` when the proxy answered 502/504 itself.
  // begin() and retire() are sequentially consistent with the drain's reads: a request either sees the
  // upstream retired (and takes the new route) or the drain sees it in flight.
  void begin() { in_flight_.fetch_add(1, std::memory_order_seq_cst); }
  // A request that began but never reached the upstream (the client went away): in flight no more, not counted.
  void abandon() { in_flight_.fetch_sub(1, std::memory_order_seq_cst); }
  void finish(int status, double seconds, bool upstream_failed);
  void countRetry() { retried_.fetch_add(1, std::memory_order_relaxed); }

  std::int64_t inFlight() const { return in_flight_.load(std::memory_order_seq_cst); }
  std::int64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  std::int64_t responses5xx() const { return responses_5xx_.load(std::memory_order_relaxed); }
  std::int64_t upstreamErrors() const { return upstream_errors_.load(std::memory_order_relaxed); }
  std::int64_t retried() const { return retried_.load(std::memory_order_relaxed); }
  // When this upstream first answered with an error (ms since the epoch; 0: never): when a regression began.
  std::int64_t firstErrorMs() const { return first_error_ms_.load(std::memory_order_relaxed); }
  // Cumulative counts per kLatencyBuckets bound, then +Inf; and the sum in seconds.
  std::array<std::int64_t, kLatencyBuckets.size() + 1> latencyBuckets() const;
  double latencySumSeconds() const;

  // Requests finished in the last `span_ms` (at most 5 s), counting as slow those over `slow_ms`.
  WindowCounts window(std::int64_t now_ms, std::int64_t span_ms) const;
  void setSlowThresholdMs(std::int64_t ms) { slow_ms_.store(ms, std::memory_order_relaxed); }

  // A retired upstream gets no new connections; idle pooled connections to it are closed.
  void retire() { retired_.store(true, std::memory_order_seq_cst); }
  bool retired() const { return retired_.load(std::memory_order_seq_cst); }

  // WebSocket tunnels open through this upstream: closed by closeTunnels() at the end of a drain.
  // `close` is called on any thread and must hand the work to the tunnel's own executor.
  std::uint64_t addTunnel(std::function<void()> close);
  void removeTunnel(std::uint64_t id);
  std::size_t tunnels() const;
  void closeTunnels();

 private:
  static constexpr int kRingBuckets = 50;  // 100 ms each: 5 s
  // Each counter is one atomic word: the 100 ms epoch it counts for (high 24 bits, now_ms / 100 modulo 2^24)
  // and the count (low 40 bits). A request bumps it with one compare-exchange, resetting it when its epoch
  // is stale: no lock on the request path, and a reader never sees a count from another epoch.
  static constexpr int kCountBits = 40;
  struct Bucket {
    std::atomic<std::uint64_t> requests{0}, errors{0}, slow{0};
  };
  static void bump(std::atomic<std::uint64_t>& slot, std::uint64_t tag);

  UpstreamTarget target_;
  std::atomic<std::int64_t> in_flight_{0}, requests_{0}, responses_5xx_{0}, upstream_errors_{0}, retried_{0};
  std::array<std::atomic<std::int64_t>, kLatencyBuckets.size() + 1> latency_{};
  std::atomic<std::int64_t> latency_sum_us_{0};
  std::atomic<std::int64_t> slow_ms_{1000};
  std::atomic<std::int64_t> first_error_ms_{0};
  std::atomic<bool> retired_{false};

  std::array<Bucket, kRingBuckets> ring_{};

  mutable std::mutex tunnels_mu_;
  std::uint64_t next_tunnel_ = 1;                                        // guarded by tunnels_mu_
  std::vector<std::pair<std::uint64_t, std::function<void()>>> tunnels_;  // guarded by tunnels_mu_
};

using UpstreamPtr = std::shared_ptr<Upstream>;

}  // namespace shipshape::proxy
