#include "support/load_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace shipshape::testing {
namespace {

std::int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int connectTo(const std::string& host, unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one response (Content-Length framed, as testapp and the proxy send). Returns the status, 0 on failure.
int readResponse(int fd, std::string& buffer, std::string& body, bool& keep_alive) {
  std::size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[8192];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  if (buffer.size() < 12 || buffer.compare(0, 5, "HTTP/") != 0) return 0;
  int status = std::atoi(buffer.c_str() + 9);
  std::string head = buffer.substr(0, header_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t length = 0;
  if (auto p = head.find("\r\ncontent-length:"); p != std::string::npos) length = std::strtoul(head.c_str() + p + 17, nullptr, 10);
  keep_alive = head.find("\r\nconnection: close") == std::string::npos;
  buffer.erase(0, header_end + 4);
  while (buffer.size() < length) {
    char chunk[8192];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  body = buffer.substr(0, length);
  buffer.erase(0, length);
  return status;
}

}  // namespace

std::int64_t LoadStats::non2xx() const {
  std::int64_t n = 0;
  for (const auto& [status, count] : statuses) n += (status < 200 || status >= 300) ? count : 0;
  return n;
}

double LoadStats::percentileMs(double p) const {
  if (latencies_ms.empty()) return 0;
  std::vector<double> sorted = latencies_ms;
  std::size_t k = std::min(sorted.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size())));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
  return sorted[k];
}

std::string LoadStats::summary() const {
  std::string out = std::to_string(requests) + " answered, " + std::to_string(failed) + " failed, non-2xx " +
                    std::to_string(non2xx()) + ", bodies {";
  for (const auto& [body, count] : bodies) {
    std::string b = body;
    while (!b.empty() && b.back() == '\n') b.pop_back();
    out += " " + b + ":" + std::to_string(count);
  }
  return out + " }";
}

LoadGenerator::LoadGenerator(std::string host, unsigned short port, std::string path, int connections, double rate)
    : host_(std::move(host)), port_(port), path_(std::move(path)), connections_(connections), rate_(rate) {
  per_thread_.resize(static_cast<std::size_t>(connections_));
}

LoadGenerator::~LoadGenerator() {
  if (!threads_.empty()) stop();
}

void LoadGenerator::start() {
  started_ns_ = monoNs();
  for (int i = 0; i < connections_; ++i) threads_.emplace_back([this, i] { run(i); });
}

void LoadGenerator::run(int index) {
  LoadStats& stats = per_thread_[static_cast<std::size_t>(index)];
  stats.latencies_ms.reserve(1 << 16);
  const std::string request = "GET " + path_ + " HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n";
  const std::int64_t interval_ns = rate_ > 0 ? static_cast<std::int64_t>(1e9 * connections_ / rate_) : 0;
  std::int64_t next = monoNs() + (interval_ns ? interval_ns * index / connections_ : 0);
  int fd = -1;
  std::string buffer, body;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (interval_ns) {
      std::int64_t now = monoNs();
      if (next > now) std::this_thread::sleep_for(std::chrono::nanoseconds(next - now));
      next += interval_ns;
    }
    if (fd < 0) {
      fd = connectTo(host_, port_);
      buffer.clear();
      if (fd < 0) {
        ++stats.failed;
        ++failed_;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
    }
    std::int64_t t0 = monoNs();
    bool keep_alive = true;
    int status = 0;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      status = readResponse(fd, buffer, body, keep_alive);
    }
    if (status == 0) {
      ++stats.failed;
      ++failed_;
      ::close(fd);
      fd = -1;
      continue;
    }
    stats.latencies_ms.push_back(static_cast<double>(monoNs() - t0) / 1e6);
    ++stats.requests;
    ++stats.statuses[status];
    ++stats.bodies[body];
    if (!keep_alive) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
}

LoadStats LoadGenerator::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
  LoadStats total;
  total.seconds = static_cast<double>(monoNs() - started_ns_) / 1e9;
  for (auto& s : per_thread_) {
    total.requests += s.requests;
    total.failed += s.failed;
    for (const auto& [k, v] : s.statuses) total.statuses[k] += v;
    for (const auto& [k, v] : s.bodies) total.bodies[k] += v;
    total.latencies_ms.insert(total.latencies_ms.end(), s.latencies_ms.begin(), s.latencies_ms.end());
  }
  return total;
}

}  // namespace shipshape::testing
