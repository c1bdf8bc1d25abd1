// testapp: shipshape's own test workload. A small static HTTP server with knobs that make a container
// healthy or not, busy or not, growing or not, and a key-value store under /data (a declared VOLUME, like a
// database). It is packed FROM scratch, so it also carries its own health probe (`testapp probe`).
//
//   testapp [serve]            serve HTTP on $PORT (8080)
//   testapp probe [PATH]       GET http://127.0.0.1:$PORT/PATH (/health); exit 0 on 200, else 1
//
// Environment: PORT, APP_VERSION (v1), STARTUP_DELAY_MS (0: slow start, nothing listens until it passes),
// HEALTH=fail (start unhealthy), DATA_DIR (/data), BURN_AT_START_MS (burn one core from the start),
// EXIT_AFTER_MS with EXIT_CODE (1): exit on its own after that long (a crash loop under a restart policy).
//
// Endpoints (any method unless noted):
//   /health               200 "ok" or 503 "failing"        /health/fail, /health/ok  switch it
//   /version              APP_VERSION                        /                         "testapp <version> <hostname>"
//   /burn?ms=N&threads=T  burn T cores for N ms              /grow?mb=N                allocate and touch N MiB more
//   /release              free what /grow took               /status?code=C            answer with status C
//   /slow?ms=N            answer after N ms                  /exit?code=C              exit with code C
//   /kv                   list keys                          /kv/KEY                   GET, PUT (body), DELETE
//   /errors/on            every other path answers 500       /errors/off               back to normal
//   /upgrade              with "Upgrade: echo": 101, then every byte sent comes back (a WebSocket stand-in)
// ERRORS_AFTER_MS=N switches /errors/on by itself N ms after start; ERRORS_AFTER_REQUESTS=N after N requests
// (a release that passes its checks and regresses once it has real traffic).
// `testapp serve PORT [VERSION]` sets PORT and APP_VERSION from the command line (for tests without a container).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> g_healthy{true};
std::atomic<bool> g_errors{false};
std::atomic<bool> g_stop{false};
std::mutex g_memory_mu;
std::vector<std::unique_ptr<char[]>> g_memory;  // guarded by g_memory_mu
std::size_t g_memory_mb = 0;                    // guarded by g_memory_mu
int g_listen_fd = -1;

std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : fallback;
}

long queryNumber(const std::string& query, const std::string& key, long fallback) {
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t amp = query.find('&', pos);
    std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (pair.rfind(key + "=", 0) == 0) return std::strtol(pair.c_str() + key.size() + 1, nullptr, 10);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return fallback;
}

struct Request {
  std::string method, path, query, body;
  std::string upgrade;  // the Upgrade header, lower-cased
  bool keep_alive = true;
};

struct Response {
  int status = 200;
  std::string body;
};

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool validKey(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return key[0] != '.';
}

// Writes the value to a temp file, fsyncs and renames, so a crash never leaves half a value behind.
bool writeFileAtomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

Response kv(const Request& req, const std::string& dir) {
  if (req.path == "/kv" || req.path == "/kv/") {
    std::string out;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (validKey(name) && name.find(".tmp") == std::string::npos) out += name + "\n";
      }
      ::closedir(d);
    }
    return {200, out};
  }
  std::string key = req.path.substr(4);
  if (!validKey(key)) return {400, "bad key\n"};
  std::string file = dir + "/" + key;
  if (req.method == "PUT" || req.method == "POST") {
    return writeFileAtomically(file, req.body) ? Response{201, "stored\n"}
                                                : Response{500, std::string("write failed: ") + std::strerror(errno) + "\n"};
  }
  if (req.method == "DELETE") return ::unlink(file.c_str()) == 0 ? Response{204, ""} : Response{404, "no such key\n"};
  FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return {404, "no such key\n"};
  std::string value;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) value.append(buf, n);
  std::fclose(f);
  return {200, value};
}

void burn(long ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  volatile unsigned long x = 0;
  while (std::chrono::steady_clock::now() < until && !g_stop.load()) {
    for (int i = 0; i < 100000; ++i) x = x * 2654435761u + static_cast<unsigned long>(i);
  }
}

Response handle(const Request& req) {
  static const std::string version = env("APP_VERSION", "v1");
  static const std::string data_dir = env("DATA_DIR", "/data");
  const std::string& p = req.path;
  if (p == "/health") return g_healthy ? Response{200, "ok\n"} : Response{503, "failing\n"};
  if (p == "/health/fail") {
    g_healthy = false;
    return {200, "health now failing\n"};
  }
  if (p == "/health/ok") {
    g_healthy = true;
    return {200, "health now ok\n"};
  }
  if (p == "/errors/on" || p == "/errors/off") {
    g_errors = p == "/errors/on";
    return {200, std::string("errors ") + (g_errors ? "on" : "off") + "\n"};
  }
  static const long errors_after = std::atol(env("ERRORS_AFTER_REQUESTS", "0").c_str());
  static std::atomic<long> served{0};
  if (errors_after > 0 && ++served > errors_after && !g_errors.exchange(true)) {
    std::fprintf(stderr, "testapp: answering 500 from now on (ERRORS_AFTER_REQUESTS)\n");
  }
  if (g_errors) return {500, "failing on purpose (/errors/on)\n"};
  if (p == "/version") return {200, version + "\n"};
  if (p == "/") {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return {200, "testapp " + version + " " + host + "\n"};
  }
  if (p == "/burn") {
    long ms = queryNumber(req.query, "ms", 10000);
    long threads = queryNumber(req.query, "threads", 1);
    for (long i = 0; i < threads; ++i) std::thread(burn, ms).detach();
    return {200, "burning " + std::to_string(threads) + " thread(s) for " + std::to_string(ms) + " ms\n"};
  }
  if (p == "/grow") {
    long mb = queryNumber(req.query, "mb", 10);
    std::lock_guard lock(g_memory_mu);
    for (long i = 0; i < mb; ++i) {
      auto block = std::make_unique<char[]>(1 << 20);
      std::memset(block.get(), static_cast<int>(i & 0xff) | 1, 1 << 20);  // touch every page
      g_memory.push_back(std::move(block));
      ++g_memory_mb;
    }
    return {200, "holding " + std::to_string(g_memory_mb) + " MiB\n"};
  }
  if (p == "/release") {
    std::lock_guard lock(g_memory_mu);
    g_memory.clear();
    g_memory_mb = 0;
    return {200, "released\n"};
  }
  if (p == "/status") {
    int code = static_cast<int>(queryNumber(req.query, "code", 200));
    return {code, "status " + std::to_string(code) + "\n"};
  }
  if (p == "/slow") {
    std::this_thread::sleep_for(std::chrono::milliseconds(queryNumber(req.query, "ms", 1000)));
    return {200, "slow\n"};
  }
  if (p == "/exit") {
    int code = static_cast<int>(queryNumber(req.query, "code", 1));
    std::fprintf(stderr, "testapp: exiting with %d on request\n", code);
    std::_Exit(code);
  }
  if (p == "/kv" || p.rfind("/kv/", 0) == 0) return kv(req, data_dir);
  return {404, "not found\n"};
}

bool sendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads one request from `buffer` + the socket. False on EOF or garbage.
bool readRequest(int fd, std::string& buffer, Request& req) {
  req = Request{};
  std::size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > 65536) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  std::string head = buffer.substr(0, header_end);
  buffer.erase(0, header_end + 4);
  std::size_t line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  std::size_t s1 = request_line.find(' '), s2 = request_line.rfind(' ');
  if (s1 == std::string::npos || s2 == s1) return false;
  req.method = request_line.substr(0, s1);
  std::string target = request_line.substr(s1 + 1, s2 - s1 - 1);
  std::string http_version = request_line.substr(s2 + 1);
  std::size_t q = target.find('?');
  req.path = target.substr(0, q);
  req.query = q == std::string::npos ? "" : target.substr(q + 1);
  req.keep_alive = http_version == "HTTP/1.1";
  std::size_t content_length = 0;
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "upgrade") req.upgrade = lower(value);
      if (name == "content-length") content_length = std::strtoul(value.c_str(), nullptr, 10);
      if (name == "connection") {
        std::string v = lower(value);
        if (v == "close") req.keep_alive = false;
        if (v == "keep-alive") req.keep_alive = true;
      }
    }
    pos = end + 2;
  }
  while (buffer.size() < content_length) {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  req.body = buffer.substr(0, content_length);
  buffer.erase(0, content_length);
  return true;
}

// Answers 101 and echoes every byte until the client closes: what a proxy must pass through untouched.
void echoTunnel(int fd, const std::string& pending) {
  if (!sendAll(fd, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")) return;
  if (!pending.empty() && !sendAll(fd, pending)) return;
  char chunk[4096];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) {
    if (!sendAll(fd, std::string(chunk, static_cast<std::size_t>(n)))) return;
  }
}

void serveConnection(int fd) {
  std::string buffer;
  Request req;
  while (!g_stop.load() && readRequest(fd, buffer, req)) {
    if (req.path == "/upgrade" && req.upgrade == "echo") {
      echoTunnel(fd, buffer);
      break;
    }
    Response res = handle(req);
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + reason(res.status) + "\r\n" +
                      "Content-Type: text/plain\r\nContent-Length: " + std::to_string(res.body.size()) + "\r\n" +
                      (req.keep_alive ? "" : "Connection: close\r\n") + "\r\n" + res.body;
    if (!sendAll(fd, out) || !req.keep_alive) break;
  }
  ::close(fd);
}

void onSignal(int) {
  g_stop = true;
  // Unblocks accept(); the main loop then exits.
  if (g_listen_fd >= 0) ::shutdown(g_listen_fd, SHUT_RDWR);
}

int serve() {
  int port = std::atoi(env("PORT", "8080").c_str());
  if (env("HEALTH", "ok") == "fail") g_healthy = false;
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  long delay = std::atol(env("STARTUP_DELAY_MS", "0").c_str());
  if (delay > 0) {
    std::fprintf(stderr, "testapp: slow start, %ld ms\n", delay);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  if (long burn_ms = std::atol(env("BURN_AT_START_MS", "0").c_str()); burn_ms > 0) std::thread(burn, burn_ms).detach();
  if (long errors_ms = std::atol(env("ERRORS_AFTER_MS", "0").c_str()); errors_ms > 0) {
    std::thread([errors_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(errors_ms));
      std::fprintf(stderr, "testapp: answering 500 from now on (ERRORS_AFTER_MS)\n");
      g_errors = true;
    }).detach();
  }
  if (long exit_ms = std::atol(env("EXIT_AFTER_MS", "0").c_str()); exit_ms > 0) {
    int code = std::atoi(env("EXIT_CODE", "1").c_str());
    std::thread([exit_ms, code] {
      std::this_thread::sleep_for(std::chrono::milliseconds(exit_ms));
      std::fprintf(stderr, "testapp: exiting with %d after %ld ms (EXIT_AFTER_MS)\n", code, exit_ms);
      std::_Exit(code);
    }).detach();
  }

  g_listen_fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  bool v6 = g_listen_fd >= 0;
  if (!v6) g_listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1, zero = 0;
  ::setsockopt(g_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (v6) {
    ::setsockopt(g_listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(g_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(g_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0 || ::listen(g_listen_fd, 128) != 0) {
    std::fprintf(stderr, "testapp: cannot listen on port %d: %s\n", port, std::strerror(errno));
    return 1;
  }
  // PORT=0: the kernel picks; the line below says which (tests read it back instead of guessing a free port).
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(g_listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) {
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  std::fprintf(stderr, "testapp %s listening on :%d\n", env("APP_VERSION", "v1").c_str(), port);
  while (!g_stop.load()) {
    int fd = ::accept(g_listen_fd, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      break;
    }
    std::thread(serveConnection, fd).detach();
  }
  std::fprintf(stderr, "testapp: stopping\n");
  return 0;
}

int probe(const std::string& path) {
  int port = std::atoi(env("PORT", "8080").c_str());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::printf("probe: connect to 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    return 1;
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (!sendAll(fd, req)) return 1;
  char buf[256] = {};
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  if (n < 12) {
    std::printf("probe: no answer\n");
    return 1;
  }
  int status = std::atoi(buf + 9);
  std::printf("probe: %s -> %d\n", path.c_str(), status);
  return status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "serve";
  if (mode == "serve") {
    if (argc > 2) ::setenv("PORT", argv[2], 1);
    if (argc > 3) ::setenv("APP_VERSION", argv[3], 1);
    return serve();
  }
  if (mode == "probe") return probe(argc > 2 ? argv[2] : "/health");
  if (mode == "dump") {
    // A database's dump hook in miniature: a consistent file written into the data directory before a backup.
    std::string file = std::string(argc > 2 ? argv[2] : "/data") + "/dump.txt";
    FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "dump\n");
    std::fclose(f);
    std::printf("dumped to %s\n", file.c_str());
    return 0;
  }
  std::fprintf(stderr, "usage: testapp [serve | probe [PATH] | dump [DIR]]\n");
  return 2;
}
