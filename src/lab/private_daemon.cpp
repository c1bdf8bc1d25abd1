#include "lab/private_daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/process.h"
#include "docker/client.h"

namespace shipshape::lab {
namespace {

std::atomic<int> g_counter{0};

// NAME=value strings of the minimal command environment, and the pointers execve wants (null-terminated).
struct Environment {
  std::vector<std::string> entries;
  std::vector<char*> pointers;
  Environment() {
    for (const auto& [name, value] : minimalCommandEnvironment()) entries.push_back(name + "=" + value);
    for (auto& e : entries) pointers.push_back(e.data());
    pointers.push_back(nullptr);
  }
};

// Runs argv (no shell) and returns its exit status.
int runArgv(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Environment env;
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), env.pointers.data()) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool waitGone(pid_t pid, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

PrivateDaemon::PrivateDaemon(std::vector<std::string> extra_args, bool private_plugins)
    : extra_args_(std::move(extra_args)), private_plugins_(private_plugins) {
  // Orphans of our dockerd (its containerd, after a SIGKILL) are reparented to us, so we can reap them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::string id = std::to_string(::getpid()) + "-" + std::to_string(g_counter.fetch_add(1));
  dir_ = "/tmp/ss-dockerd-" + id;
  netns_ = "ss-dockerd-" + id;
  socket_ = dir_ + "/docker.sock";
  data_root_ = dir_ + "/data";
  exec_root_ = dir_ + "/exec";
  log_ = dir_ + "/dockerd.log";
  std::filesystem::create_directories(data_root_);
  std::filesystem::create_directories(exec_root_);
  std::filesystem::create_directories(dir_ + "/plugins");
  std::ofstream(dir_ + "/daemon.json") << "{}\n";
}

void PrivateDaemon::killContainerd() {
  const std::string pidfile_path = exec_root_ + "/containerd/containerd.pid";
  std::ifstream pidfile(pidfile_path);
  pid_t containerd = 0;
  if (!(pidfile >> containerd) || containerd <= 0) return;
  ::kill(containerd, SIGKILL);
  // We are the orphaned containerd's subreaper: reap it, or it lingers as a zombie that dockerd takes
  // for a live containerd ("containerd is still running") and waits on until it gives up.
  waitGone(containerd, std::chrono::seconds(5));
  std::filesystem::remove(pidfile_path);
}

PrivateDaemon::~PrivateDaemon() {
  stop();
  killContainerd();
  if (netns_created_) runArgv({"ip", "netns", "del", netns_});
  // dockerd bind-mounts its data-root onto itself; unmount before deleting.
  ::umount2(data_root_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<void> PrivateDaemon::start(std::chrono::milliseconds deadline) {
  if (!netns_created_) {
    if (runArgv({"ip", "netns", "add", netns_}) != 0) {
      return fail(ErrorCode::kIo, "ip netns add " + netns_ + " failed (needs root and iproute2)");
    }
    netns_created_ = true;
    runArgv({"ip", "-n", netns_, "link", "set", "lo", "up"});
  }
  std::vector<std::string> args = {"/usr/sbin/dockerd",
                                   "--config-file=" + dir_ + "/daemon.json",
                                   "--data-root=" + data_root_,
                                   "--exec-root=" + exec_root_,
                                   "--pidfile=" + dir_ + "/docker.pid",
                                   "-H",
                                   "unix://" + socket_,
                                   "--bridge=none",
                                   "--iptables=false",
                                   "--ip-masq=false"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Environment env;
  std::string ns_path = "/var/run/netns/" + netns_;
  // Everything the child needs is prepared before fork: it only calls async-signal-safe functions.
  int ns_fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return fail(ErrorCode::kIo, "open " + ns_path + ": " + std::strerror(errno));
  int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const std::string plugin_dir = pluginDir();
  constexpr const char* kPluginRoot = "/run/docker/plugins";
  if (private_plugins_) {
    std::error_code ec;
    std::filesystem::create_directories(kPluginRoot, ec);  // the mount point; stays empty on the host
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(120);
    if (private_plugins_) {
      // A private copy of the mount table (not propagated back to the host), with our plugin directory.
      if (::unshare(CLONE_NEWNS) != 0) ::_exit(121);
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(122);
      if (::mount(plugin_dir.c_str(), kPluginRoot, nullptr, MS_BIND, nullptr) != 0) ::_exit(123);
    }
    ::setsid();
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(argv[0], argv.data(), env.pointers.data());
    ::_exit(127);
  }
  ::close(ns_fd);
  ::close(log_fd);
  if (pid < 0) return fail(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  pid_ = pid;

  docker::ClientOptions options;
  options.transport.connect_timeout = std::chrono::milliseconds(500);
  options.transport.request_timeout = std::chrono::seconds(2);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    docker::Client client(endpoint(), options);
    if (client.ping()) return {};
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) >= 120 && WEXITSTATUS(status) <= 123) {
        return fail(ErrorCode::kIo, "private dockerd: entering its namespaces failed (exit " +
                                        std::to_string(WEXITSTATUS(status)) + ")");
      }
      return fail(ErrorCode::kUnreachable, "private dockerd exited during start-up:\n" + logTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fail(ErrorCode::kTimeout, "private dockerd did not answer at " + host() + ":\n" + logTail());
}

void PrivateDaemon::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitGone(pid_, std::chrono::seconds(10));
  pid_ = -1;
  // dockerd's own (managed) containerd outlives it and then blocks the next start ("timeout waiting for
  // containerd to start"); on a host with a system containerd the daemon reconnects to that instead.
  killContainerd();
}

void PrivateDaemon::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!waitGone(pid_, std::chrono::seconds(20))) {
    ::kill(pid_, SIGKILL);
    waitGone(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

docker::Endpoint PrivateDaemon::endpoint() const {
  docker::Endpoint e;
  e.kind = docker::Endpoint::Kind::kUnix;
  e.socket_path = socket_;
  return e;
}

std::string PrivateDaemon::logTail(int lines) const {
  std::ifstream in(log_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    // containerd's gRPC reconnect chatter buries the lines that say what went wrong.
    if (line.find("module=grpc") != std::string::npos) continue;
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

}  // namespace shipshape::lab
