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
ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                         std::chrono::milliseconds deadline = std::chrono::seconds(30));

}  // namespace shipshape::testing
