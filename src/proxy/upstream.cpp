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
  std::lock_guard lock(ring_mu_);
  Bucket& b = ring_[static_cast<std::size_t>(epoch % kRingBuckets)];
  if (b.epoch != epoch) b = Bucket{epoch, {}};
  ++b.counts.requests;
  if (error) ++b.counts.errors;
  if (slow) ++b.counts.slow;
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
  std::int64_t newest = now_ms / 100;
  std::int64_t oldest = (now_ms - std::min<std::int64_t>(span_ms, kRingBuckets * 100)) / 100;
  WindowCounts sum;
  std::lock_guard lock(ring_mu_);
  for (const Bucket& b : ring_) {
    if (b.epoch > oldest && b.epoch <= newest) {
      sum.requests += b.counts.requests;
      sum.errors += b.counts.errors;
      sum.slow += b.counts.slow;
    }
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
