// The catalog of known dockerd/containerd failure signatures (shared/reference/daemon-signatures.md): each a
// pattern for the daemon's log, what it means, and the runbook steps. Immutable; safe from any thread.
#pragma once

#include <string_view>
#include <vector>

namespace shipshape::daemonwatch {

struct LogSignature {
  std::string_view id;       // "overlay2-mount-missing-layer": the incident kind is "daemon-" + id
  std::string_view pattern;  // ECMAScript regex, searched in each log line
  std::string_view diagnosis;
  std::string_view runbook;
  bool permanent;  // does not go away by itself (node-problem-detector's classification)
  int burst;       // matches within a minute before it is worth an incident (1 = every match)
};

const std::vector<LogSignature>& logSignatures();
// The first signature matching `line`, or nullptr.
const LogSignature* matchLogLine(std::string_view line);

}  // namespace shipshape::daemonwatch
