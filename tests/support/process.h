// Runs a program (argv, never a shell) and captures its exit status, stdout and stderr, with a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace shipshape::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed on the deadline or by a signal
  bool timed_out = false;
  std::string out, err;
  std::chrono::milliseconds elapsed{0};
};

// `env` entries NAME=value are added to (or replace in) the current environment; NAME= removes it.
// `input` is the child's whole stdin (small: a password).
ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                         std::chrono::milliseconds deadline = std::chrono::seconds(30), const std::string& input = "");

// A program running beside the test (a daemon such as `shipshape watch`), its output going to a file.
// The destructor kills it if it is still running.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // Everything it wrote so far (stdout and stderr together).
  std::string output() const;
  // Sends `signal` and waits up to `deadline`; returns the exit code (-1 if it had to be killed).
  int stop(int signal, std::chrono::milliseconds deadline, std::chrono::milliseconds* took = nullptr);

 private:
  int pid_ = -1;
  std::string log_;
};

}  // namespace shipshape::testing
