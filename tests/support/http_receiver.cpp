#include "support/http_receiver.h"

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

HttpReceiver::HttpReceiver(int status) : status_(status) { start(); }

HttpReceiver::HttpReceiver(Handler handler) : handler_(std::move(handler)), status_(200) { start(); }

void HttpReceiver::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
    ADD_FAILURE() << "HttpReceiver: cannot listen on 127.0.0.1: " << std::strerror(errno);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

HttpReceiver::~HttpReceiver() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<ReceivedRequest> HttpReceiver::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

bool HttpReceiver::waitFor(std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (requests().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return requests().size() >= n;
}

void HttpReceiver::run() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos, content_length = 0;
    ReceivedRequest r;
    while (true) {
      pollfd c{fd, POLLIN, 0};
      if (::poll(&c, 1, 2000) <= 0) break;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        std::size_t line_end = data.find("\r\n");
        std::string first = data.substr(0, line_end);
        r.method = first.substr(0, first.find(' '));
        r.path = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
        std::size_t pos = line_end + 2;
        while (pos < header_end) {
          std::size_t e = data.find("\r\n", pos);
          std::string line = data.substr(pos, e - pos);
          auto colon = line.find(':');
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          r.headers[name] = value;
          pos = e + 2;
        }
        content_length = std::stoul(r.headers.count("content-length") ? r.headers["content-length"] : "0");
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
    }
    if (header_end != std::string::npos) {
      r.body = data.substr(header_end + 4, content_length);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      Reply answer = handler_ ? handler_(r) : Reply{status_.load(), {}, "ok"};
      std::string reply = "HTTP/1.1 " + std::to_string(answer.status) +
                          " X\r\nContent-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n";
      for (const auto& h : answer.headers) reply += h + "\r\n";
      reply += "\r\n" + answer.body;
      (void)!::write(fd, reply.data(), reply.size());
    }
    ::close(fd);
  }
}

}  // namespace shipshape::testing
