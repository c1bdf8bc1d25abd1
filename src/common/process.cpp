#include "common/process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace shipshape {

std::map<std::string, std::string> minimalCommandEnvironment() {
  return {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {"HOME", "/"}, {"LANG", "C.UTF-8"}};
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                         std::chrono::milliseconds timeout) {
  CommandResult result;
  if (argv.empty()) {
    result.error = "empty command";
    return result;
  }
  auto env = minimalCommandEnvironment();
  for (const auto& [k, v] : extra_env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
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

std::string describeCommand(const std::vector<std::string>& argv, const CommandResult& r) {
  std::string cmd = argv.empty() ? "" : argv[0];
  if (!r.started) return cmd + " could not start: " + r.error;
  if (r.timed_out) return cmd + " killed after " + std::to_string(r.duration_ms) + " ms (timeout)";
  if (r.exit_code < 0) return cmd + " killed by a signal after " + std::to_string(r.duration_ms) + " ms";
  return cmd + " exit " + std::to_string(r.exit_code) + " in " + std::to_string(r.duration_ms) + " ms";
}

}  // namespace shipshape
