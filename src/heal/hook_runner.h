// Runs an operator's hook (drain, undrain) as an argv with execve semantics: no shell ever parses it.
// The hook gets the incident in its environment (SHIPSHAPE_EVENT, SHIPSHAPE_INCIDENT_ID, SHIPSHAPE_SUBJECT)
// and is killed when it outlives its timeout. Blocking; call from the thread that can afford to wait.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace shipshape::heal {

struct HookResult {
  bool started = false;
  int exit_code = -1;  // -1: killed on timeout, or did not start
  bool timed_out = false;
  long long duration_ms = 0;
  std::string error;  // why it did not start
};

HookResult runHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                   std::chrono::milliseconds timeout);

// "exit 0 in 35 ms", "killed after 30 s", "could not start: No such file or directory"
std::string describeHook(const std::vector<std::string>& argv, const HookResult& result);

}  // namespace shipshape::heal
