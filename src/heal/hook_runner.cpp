#include "heal/hook_runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

extern char** environ;

namespace shipshape::heal {

HookResult runHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                   std::chrono::milliseconds timeout) {
  HookResult result;
  if (argv.empty()) {
    result.error = "empty command";
    return result;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!extra_env.count(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  // posix_spawn, not posix_spawnp: the hook is an explicit path, never looked up through PATH or a shell.
  int rc = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
  if (rc != 0) {
    result.error = std::strerror(rc);
    return result;
  }
  result.started = true;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
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

std::string describeHook(const std::vector<std::string>& argv, const HookResult& r) {
  std::string cmd = argv.empty() ? "" : argv[0];
  if (!r.started) return cmd + " could not start: " + r.error;
  if (r.timed_out) return cmd + " killed after " + std::to_string(r.duration_ms) + " ms (timeout)";
  return cmd + " exit " + std::to_string(r.exit_code) + " in " + std::to_string(r.duration_ms) + " ms";
}

}  // namespace shipshape::heal
