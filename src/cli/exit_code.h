// The one exit-code map of the shipshape executable.
#pragma once

namespace shipshape::cli {

enum class ExitCode : int {
  kOk = 0,
  kFailed = 1,  // the command ran and the answer is "no": findings at or above --fail-on, a failed gate
  kError = 2,   // the command could not do its job: bad usage, daemon unreachable, unreadable input
};

inline int toInt(ExitCode code) { return static_cast<int>(code); }

}  // namespace shipshape::cli
