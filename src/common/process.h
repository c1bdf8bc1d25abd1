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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

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

// A long-running helper program fed through a pipe (restic reading a volume's tar on stdin, or writing one on
// stdout), with the same environment rules as runCommand: an absolute path, the minimal environment plus
// `extra_env`, its own process group. stderr (and stdout unless the caller reads it) is collected by a thread
// the object owns, so a chatty child can never block on a full pipe. Destroyed before wait(), the child's
// group is killed and reaped. SIGPIPE is ignored process-wide once a child is spawned: a child that dies
// turns our writes into EPIPE errors instead of killing shipshape.
class PipedProcess {
 public:
  struct Options {
    bool read_stdout = false;  // the caller reads stdout with readStdout(); else it is collected
  };
  static Result<std::unique_ptr<PipedProcess>> spawn(const std::vector<std::string>& argv,
                                                     const std::map<std::string, std::string>& extra_env,
                                                     Options options);
  ~PipedProcess();
  PipedProcess(const PipedProcess&) = delete;
  PipedProcess& operator=(const PipedProcess&) = delete;

  // False when the child closed its stdin (exited); errno-style message in `error`.
  Result<void> writeStdin(std::string_view data);
  void closeStdin();
  // Up to `size` bytes of stdout (read_stdout only); 0 at its end. -1 on a read error.
  long readStdout(char* buffer, std::size_t size);
  // Sends `signal` to the child (not its group), e.g. SIGTERM for a graceful stop before waitFor().
  void signal(int signal);
  // Closes stdin, waits for the exit; returns the exit code (-1 for a signal).
  int wait();
  // wait() with a deadline: past it the child's whole group is killed and reaped, and nullopt returned.
  std::optional<int> waitFor(std::chrono::milliseconds timeout);
  // What the child wrote (the last 64 KiB of each), complete after wait().
  std::string collectedStdout() const;
  std::string collectedStderr() const;

 private:
  PipedProcess() = default;
  int reaped(int status);  // after waitpid: joins the readers, closes the pipes, records the exit code
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "exit 0 in 35 ms", "killed after 30 s", "could not start: No such file or directory"
std::string describeCommand(const std::vector<std::string>& argv, const CommandResult& result);

}  // namespace shipshape
