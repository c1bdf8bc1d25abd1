// Runs an operator's command (drain/undrain hooks, deploy smoke tests) as an argv with execve semantics: no
// shell ever parses it, and PATH is never searched (the command is an absolute path).
//
// The child gets a minimal environment, not shipshape's: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:
// /usr/bin:/sbin:/bin, HOME=/, LANG=C.UTF-8, plus the caller's `extra_env` (SHIPSHAPE_* variables). Tokens and
// credentials shipshape was started with (DOCKER_*, SHIPSHAPE_LISTEN_TOKEN, webhook URLs, ...) never reach it.
// It runs in a process group of its own; on timeout the whole group gets SIGKILL, so a hung hook that forked
// (`sh -c 'sleep 100 & wait'`) leaves nothing behind. Blocking: call from a thread that can afford to wait.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace shipshape {

struct CommandResult {
  bool started = false;
  int exit_code = -1;  // -1: killed on timeout, by a signal, or did not start
  bool timed_out = false;
  long long duration_ms = 0;
  std::string error;  // why it did not start
};

// The environment every command starts with, before `extra_env` (exposed for tests and the docs).
std::map<std::string, std::string> minimalCommandEnvironment();

CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                         std::chrono::milliseconds timeout);

// "exit 0 in 35 ms", "killed after 30 s", "could not start: No such file or directory"
std::string describeCommand(const std::vector<std::string>& argv, const CommandResult& result);

}  // namespace shipshape
