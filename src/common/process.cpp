#include "common/process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace shipshape {

std::map<std::string, std::string> minimalCommandEnvironment() {
  return {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {"HOME", "/"}, {"LANG", "C.UTF-8"}};
}

namespace {

// The minimal environment plus `extra`, as execve wants it ("K=V").
std::vector<std::string> environmentStrings(const std::map<std::string, std::string>& extra) {
  auto env = minimalCommandEnvironment();
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                         std::chrono::milliseconds timeout) {
  CommandResult result;
  if (argv.empty()) {
    result.error = "empty command";
    return result;
  }
  std::vector<std::string> env_strings = environmentStrings(extra_env);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own (pgid = its pid): the timeout kills everything it started, not just itself.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  // posix_spawn, not posix_spawnp: the command is an explicit path, never looked up through PATH or a shell.
  int rc = posix_spawn(&pid, args[0], nullptr, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    result.error = std::strerror(rc);
    return result;
  }
  result.started = true;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      ::kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

namespace {

// Keeps the last `limit` bytes read from `fd` until its end.
void drainInto(int fd, std::string& out, std::mutex& mutex) {
  constexpr std::size_t kLimit = 64 * 1024;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex);
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kLimit) out.erase(0, out.size() - kLimit);
  }
}

}  // namespace

struct PipedProcess::Impl {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;
  bool waited = false;
  int exit_code = -1;
  mutable std::mutex mutex;
  std::string out_text, err_text;
  std::jthread out_reader, err_reader;  // declared after the strings they write into
};

Result<std::unique_ptr<PipedProcess>> PipedProcess::spawn(const std::vector<std::string>& argv,
                                                          const std::map<std::string, std::string>& extra_env,
                                                          Options options) {
  if (argv.empty()) return fail(ErrorCode::kInvalidArgument, "empty command");
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });
  std::vector<std::string> env_strings = environmentStrings(extra_env);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    return fail(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return fail(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return fail(ErrorCode::kIo, argv[0] + " could not start: " + std::strerror(rc));
  }
  std::unique_ptr<PipedProcess> p(new PipedProcess());
  p->impl_ = std::make_unique<Impl>();
  Impl& impl = *p->impl_;
  impl.pid = pid;
  impl.in = in[1];
  impl.err = err[0];
  impl.err_reader = std::jthread([&impl] { drainInto(impl.err, impl.err_text, impl.mutex); });
  impl.out = out[0];
  if (!options.read_stdout) impl.out_reader = std::jthread([&impl] { drainInto(impl.out, impl.out_text, impl.mutex); });
  return p;
}

PipedProcess::~PipedProcess() {
  if (!impl_) return;
  if (!impl_->waited) {
    ::kill(-impl_->pid, SIGKILL);
    (void)wait();
  }
}

Result<void> PipedProcess::writeStdin(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(impl_->in, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, std::string("writing to the child's stdin: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

void PipedProcess::signal(int signal) {
  if (!impl_->waited) ::kill(impl_->pid, signal);
}

void PipedProcess::closeStdin() {
  if (impl_->in >= 0) ::close(impl_->in);
  impl_->in = -1;
}

long PipedProcess::readStdout(char* buffer, std::size_t size) {
  for (;;) {
    ssize_t n = ::read(impl_->out, buffer, size);
    if (n < 0 && errno == EINTR) continue;
    return static_cast<long>(n);
  }
}

int PipedProcess::wait() {
  if (impl_->waited) return impl_->exit_code;
  closeStdin();
  int status = 0;
  while (::waitpid(impl_->pid, &status, 0) < 0 && errno == EINTR) {
  }
  return reaped(status);
}

int PipedProcess::reaped(int status) {
  // The child is gone: its pipes reach end of file once any grandchild holding them is gone too.
  if (impl_->out_reader.joinable()) impl_->out_reader.join();
  if (impl_->err_reader.joinable()) impl_->err_reader.join();
  ::close(impl_->out);
  ::close(impl_->err);
  impl_->waited = true;
  impl_->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return impl_->exit_code;
}

std::optional<int> PipedProcess::waitFor(std::chrono::milliseconds timeout) {
  if (impl_->waited) return impl_->exit_code;
  closeStdin();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(impl_->pid, &status, WNOHANG);
    if (r == impl_->pid) return reaped(status);
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-impl_->pid, SIGKILL);
      (void)wait();
      return std::nullopt;
    }
    ::usleep(5000);
  }
  return wait();
}

std::string PipedProcess::collectedStdout() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->out_text;
}

std::string PipedProcess::collectedStderr() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->err_text;
}

std::string describeCommand(const std::vector<std::string>& argv, const CommandResult& r) {
  std::string cmd = argv.empty() ? "" : argv[0];
  if (!r.started) return cmd + " could not start: " + r.error;
  if (r.timed_out) return cmd + " killed after " + std::to_string(r.duration_ms) + " ms (timeout)";
  if (r.exit_code < 0) return cmd + " killed by a signal after " + std::to_string(r.duration_ms) + " ms";
  return cmd + " exit " + std::to_string(r.exit_code) + " in " + std::to_string(r.duration_ms) + " ms";
}

}  // namespace shipshape
