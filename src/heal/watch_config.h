// The guardian's YAML configuration (`shipshape watch --config FILE`); flags override it.
//
//   autoheal: labelled          # labelled | all | off
//   crash_loop: {deaths: 5, window: 300s, quiet: 120s}
//   hooks:
//     drain:   [["/usr/local/bin/lb", "drain", "node-1"]]     # each an argv, executed without a shell
//     undrain: [["/usr/local/bin/lb", "undrain", "node-1"]]
//     timeout: 30s
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::heal {

struct WatchConfig {
  std::optional<std::string> autoheal;
  std::optional<int> crash_loop_deaths;
  std::optional<double> crash_loop_window_s, crash_loop_quiet_s, hook_timeout_s;
  std::vector<std::vector<std::string>> drain_hooks, undrain_hooks;
};

// Errors carry file:line:column.
Result<WatchConfig> loadWatchConfig(const std::string& path);

}  // namespace shipshape::heal
