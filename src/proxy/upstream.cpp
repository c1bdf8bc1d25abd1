#include "proxy/upstream.h"

#include "common/format.h"

namespace shipshape::proxy {

std::string UpstreamTarget::address() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Upstream::Upstream(UpstreamTarget target) : target_(std::move(target)) {}

void Upstream::finish(int status, double seconds, bool upstream_failed) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  requests_.fetch_add(1, std::memory_order_relaxed);
  bool error = status >= 500 || upstream_failed;
  if (status >= 500) responses_5xx_.fetch_add(1, std::memory_order_relaxed);
  if (upstream_failed) upstream_errors_.fetch_add(1, std::memory_order_relaxed);
  std::size_t bucket = kLatencyBuckets.size();
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      bucket = i;
      break;
    }
  }
  latency_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<std::int64_t>(seconds * 1e6), std::memory_order_relaxed);

  bool slow = seconds * 1000.0 > static_cast<double>(slow_ms_.load(std::memory_order_relaxed));
  std::int64_t now = nowMs();
  if (error && first_error_ms_.load(std::memory_order_relaxed) == 0) {
    std::int64_t none = 0;
    first_error_ms_.compare_exchange_strong(none, now, std::memory_order_relaxed);
  }
  std::int64_t epoch = now / 100;
  auto tag = static_cast<std::uint64_t>(epoch) & ((1u << 24) - 1);
  Bucket& b = ring_[static_cast<std::size_t>(epoch % kRingBuckets)];
  bump(b.requests, tag);
  if (error) bump(b.errors, tag);
  if (slow) bump(b.slow, tag);
}

void Upstream::bump(std::atomic<std::uint64_t>& slot, std::uint64_t tag) {
  std::uint64_t current = slot.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next = (current >> kCountBits) == tag ? current + 1 : (tag << kCountBits) | 1;
    if (slot.compare_exchange_weak(current, next, std::memory_order_relaxed)) return;
  }
}

std::array<std::int64_t, kLatencyBuckets.size() + 1> Upstream::latencyBuckets() const {
  std::array<std::int64_t, kLatencyBuckets.size() + 1> out{};
  std::int64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += latency_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Upstream::latencySumSeconds() const {
  return static_cast<double>(latency_sum_us_.load(std::memory_order_relaxed)) / 1e6;
}

WindowCounts Upstream::window(std::int64_t now_ms, std::int64_t span_ms) const {
  const std::uint64_t mask = (1u << 24) - 1;
  const auto newest = static_cast<std::uint64_t>(now_ms / 100) & mask;
  // Buckets whose epoch is within the last `span` 100 ms steps (oldest excluded, newest included).
  const auto span = static_cast<std::uint64_t>(std::min<std::int64_t>(span_ms, kRingBuckets * 100) / 100);
  auto count = [&](const std::atomic<std::uint64_t>& slot) -> std::int64_t {
    std::uint64_t v = slot.load(std::memory_order_relaxed);
    if (v == 0) return 0;
    std::uint64_t age = (newest - (v >> kCountBits)) & mask;
    return age < span ? static_cast<std::int64_t>(v & ((std::uint64_t{1} << kCountBits) - 1)) : 0;
  };
  WindowCounts sum;
  for (const Bucket& b : ring_) {
    sum.requests += count(b.requests);
    sum.errors += count(b.errors);
    sum.slow += count(b.slow);
  }
  return sum;
}

std::uint64_t Upstream::addTunnel(std::function<void()> close) {
  std::lock_guard lock(tunnels_mu_);
  std::uint64_t id = next_tunnel_++;
  tunnels_.emplace_back(id, std::move(close));
  return id;
}

void Upstream::removeTunnel(std::uint64_t id) {
  std::lock_guard lock(tunnels_mu_);
  std::erase_if(tunnels_, [id](const auto& t) { return t.first == id; });
}

std::size_t Upstream::tunnels() const {
  std::lock_guard lock(tunnels_mu_);
  return tunnels_.size();
}

void Upstream::closeTunnels() {
  std::vector<std::pair<std::uint64_t, std::function<void()>>> open;
  {
    std::lock_guard lock(tunnels_mu_);
    open.swap(tunnels_);
  }
  for (auto& [id, close] : open) close();
}

}  // namespace shipshape::proxy
