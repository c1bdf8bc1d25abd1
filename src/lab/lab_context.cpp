#include "lab/lab_context.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "registry/http_client.h"

namespace shipshape::lab {

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LabContext::LabContext(docker::Client& client, const LabOptions& options, std::string run_id, std::string work_dir)
    : client_(client), options_(options), run_id_(std::move(run_id)), work_dir_(std::move(work_dir)) {}

std::string LabContext::name(std::string_view suffix) const { return "shipshape-lab-" + run_id_ + "-" + std::string(suffix); }

docker::Labels LabContext::labels() const { return {{"shipshape.lab", run_id_}}; }

void LabContext::say(const std::string& line) const {
  if (options_.say) options_.say(line);
}

bool LabContext::stopping() const { return options_.stop && options_.stop->load(); }

docker::ContainerSpec LabContext::workloadSpec() const {
  docker::ContainerSpec spec;
  spec.image = options_.workload_image;
  spec.labels = labels();
  return spec;
}

Result<std::string> LabContext::startWorkload(const std::string& name, const docker::ContainerSpec& spec) {
  auto id = client_.createContainer(spec, name);
  if (!id) return fail(id.error().wrap("creating " + name));
  if (auto started = client_.startContainer(*id); !started) return fail(started.error().wrap("starting " + name));
  return *id;
}

Result<std::string> LabContext::waitServing(const std::string& container, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::string last = "no address yet";
  while (std::chrono::steady_clock::now() < until && !stopping()) {
    auto inspected = client_.inspectContainer(container);
    if (!inspected) return fail(inspected.error());
    if (!inspected->networks.empty() && !inspected->networks[0].ip_address.empty()) {
      std::string base = "http://" + inspected->networks[0].ip_address + ":8080";
      HttpAnswer health = httpCall("GET", base + "/health", "", std::chrono::seconds(1));
      if (health.status == 200) return base;
      last = "GET " + base + "/health answered " + std::to_string(health.status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the workload, not synchronising threads
  }
  return fail(ErrorCode::kTimeout, container + " did not serve within " + std::to_string(deadline.count()) + " ms (" +
                                       last + ")");
}

HttpAnswer httpCall(const std::string& method, const std::string& url, const std::string& body,
                    std::chrono::milliseconds timeout) {
  auto r = registry::httpRequest({.method = method, .url = url, .body = body, .timeout = timeout});
  if (r.transport != registry::HttpResponse::Transport::kOk) return {};
  return {r.status, r.body};
}

Result<int> freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  int err = errno;
  ::close(fd);
  if (port < 0) return fail(ErrorCode::kIo, std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  return port;
}

}  // namespace shipshape::lab
