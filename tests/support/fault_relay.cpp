#include "support/fault_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

namespace shipshape::testing {

namespace {

// A socket with the bytes read past what was asked for.
struct Conn {
  int fd;
  std::string buf;
  bool fill() {
    char tmp[65536];
    for (;;) {
      ssize_t n = ::read(fd, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
  }
  bool readUntil(const std::string& delim, std::string* out) {
    std::size_t at;
    while ((at = buf.find(delim)) == std::string::npos) {
      if (!fill()) return false;
    }
    *out = buf.substr(0, at + delim.size());
    buf.erase(0, at + delim.size());
    return true;
  }
  bool readN(std::size_t n, std::string* out) {
    while (buf.size() < n) {
      if (!fill()) return false;
    }
    *out = buf.substr(0, n);
    buf.erase(0, n);
    return true;
  }
};

bool writeAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string headerValue(const std::string& head, const std::string& name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  auto end = lower.find("\r\n", at);
  std::string v = lower.substr(at, end - at);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

// Copies one message body from `from` to `to` (to < 0: discarded). `until_close` for responses without framing.
bool relayBody(Conn& from, int to, const std::string& head, bool has_body) {
  if (!has_body) return true;
  auto sink = [&](const std::string& s) { return to < 0 || writeAll(to, s); };
  if (headerValue(head, "transfer-encoding").find("chunked") != std::string::npos) {
    for (;;) {
      std::string line, data;
      if (!from.readUntil("\r\n", &line) || !sink(line)) return false;
      std::size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) {
        for (;;) {  // trailers up to the empty line
          if (!from.readUntil("\r\n", &line) || !sink(line)) return false;
          if (line == "\r\n") return true;
        }
      }
      if (!from.readN(size + 2, &data) || !sink(data)) return false;
    }
  }
  std::string length = headerValue(head, "content-length");
  if (length.empty()) return true;
  std::string data;
  return from.readN(std::stoul(length), &data) && sink(data);
}

}  // namespace

FaultRelay::FaultRelay(unsigned short upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "FaultRelay: cannot listen: " << std::strerror(errno);
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FaultRelay::~FaultRelay() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> conns;
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    conns.swap(conns_);
  }
  for (auto& t : conns) t.join();
  ::close(listen_fd_);
}

void FaultRelay::addRule(const Rule& rule) {
  std::lock_guard lock(mu_);
  rules_.push_back(rule);
}

bool FaultRelay::takeFault(const std::string& method, const std::string& path, Rule* fault) {
  std::lock_guard lock(mu_);
  for (auto& r : rules_) {
    if (r.times > 0 && r.method == method && path.find(r.path_contains) != std::string::npos) {
      --r.times;
      *fault = r;
      ++injected_;
      return true;
    }
  }
  return false;
}

void FaultRelay::acceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    conns_.emplace_back([this, fd] { serve(fd); });
  }
}

void FaultRelay::serve(int client_fd) {
  int up_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  {
    std::lock_guard lock(mu_);
    open_fds_.push_back(up_fd);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(upstream_port_);
  bool connected = ::connect(up_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  Conn client{client_fd, {}}, upstream{up_fd, {}};
  // A TLS ClientHello on this plain-HTTP port gets what Go's HTTP server answers it (a client trying HTTPS
  // first, as dockerd and shipshape do, then falls back at once instead of timing out).
  if (connected && client.fill() && !client.buf.empty() && client.buf[0] == 0x16) {
    (void)writeAll(client_fd, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
    connected = false;
  }
  while (connected && !stop_) {
    std::string head;
    if (!client.readUntil("\r\n\r\n", &head)) break;
    std::string method = head.substr(0, head.find(' '));
    std::string path = head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
    Rule fault;
    if (takeFault(method, path, &fault)) {
      if (fault.fault == Fault::kReset) {
        linger hard{1, 0};  // close() sends RST: "connection reset by peer" on the other side
        ::setsockopt(client_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        break;
      }
      if (!relayBody(client, -1, head, true)) break;
      if (fault.fault == Fault::k401) {
        // What docker-registry answers a request whose bearer token has expired.
        std::string body =
            R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":"token expired"}]})";
        (void)writeAll(client_fd, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWww-Authenticate: " +
                                      fault.www_authenticate + "\r\nContent-Length: " + std::to_string(body.size()) +
                                      "\r\nConnection: close\r\n\r\n" + body);
        break;
      }
      (void)writeAll(client_fd,
                     "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                     "Connection: close\r\n\r\n{}");
      break;
    }
    if (!writeAll(up_fd, head) || !relayBody(client, up_fd, head, true)) break;
    std::string reply;
    if (!upstream.readUntil("\r\n\r\n", &reply)) break;
    int status = std::atoi(reply.c_str() + 9);
    bool body = method != "HEAD" && status != 204 && status != 304 && status >= 200;
    if (!writeAll(client_fd, reply) || !relayBody(upstream, client_fd, reply, body)) break;
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), client_fd), open_fds_.end());
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), up_fd), open_fds_.end());
  ::close(client_fd);
  ::close(up_fd);
}

}  // namespace shipshape::testing
