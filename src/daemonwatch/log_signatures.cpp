#include "daemonwatch/log_signatures.h"

#include <regex>
#include <string>

namespace shipshape::daemonwatch {

const std::vector<LogSignature>& logSignatures() {
  static const std::vector<LogSignature> kSignatures = {
      {"layer-missing", R"(layer does not exist)",
       "the layer database points at overlay2 directories that are gone (unclean shutdown, fsck moved files)",
       "drain; stop dockerd; quarantine the broken image/overlay2/layerdb entries (or all of /var/lib/docker but "
       "volumes/); restart; re-pull",
       true, 1},
      {"overlay2-mount-missing-layer", R"(error creating overlay mount to .*: no such file or directory)",
       "a lower layer or its link is missing: the image is corrupt",
       "docker rm the affected containers and rmi the image, then re-pull; if many images are affected, rebuild "
       "the node",
       true, 1},
      {"overlay2-short-link-lost", R"(readlink .*overlay2/l/.*: (no such file or directory|invalid argument))",
       "short-name symlinks in overlay2/l/ were lost (sudden reboot)",
       "rebuild each link from its layer's `link` file, or re-pull the images", true, 1},
      {"layer-register-partial", R"(failed to register layer: rename .* (directory not empty|file exists))",
       "a partial layer directory from an interrupted pull", "delete the partial directory and retry the pull", false,
       1},
      {"no-space", R"(no space left on device)", "blocks or inodes are exhausted on the Docker data-root filesystem",
       "check `df -h` and `df -i` on the data-root; prune build cache, unused images and stopped containers; rotate "
       "container logs; move the data-root to a larger filesystem",
       true, 1},
      {"overlay-unsupported",
       R"(failed to mount overlay: (invalid argument|permission denied)|error initializing graphdriver: driver not supported)",
       "the backing filesystem cannot host overlay (overlay on overlay, xfs ftype=0, casefolded ext4)",
       "configuration, not corruption: check `Supports d_type` in docker info; give Docker a proper partition", true,
       1},
      {"rootfs-busy", R"(failed to remove root filesystem .*device or resource busy)",
       "a container's mount leaked into another mount namespace",
       "find the holder (grep the container ID in /proc/*/mountinfo), stop it, retry the removal", false, 1},
      {"disk-io-error", R"(input/output error)", "disk or filesystem I/O error",
       "read the kernel log and SMART data; replace the node", true, 1},
      {"containerd-unreachable",
       R"(failed to dial ".*containerd\.sock".*(connection refused|timeout)|failed to start containerd|containerd did not exit successfully|panic: invalid page type|freepages: failed to get all reachable pages)",
       "containerd is down; repeated failures usually mean its bolt meta.db was corrupted by a power loss",
       "quarantine containerd's io.containerd.metadata.v1.bolt/meta.db, restart, re-pull; or replace the node", true,
       1},
      {"network-controller",
       R"(Error initializing network controller|failed to allocate gateway .* Address already in use)",
       "network/files/local-kv.db is inconsistent after an ungraceful shutdown",
       "quarantine local-kv.db and restart dockerd (Compose and Swarm recreate the networks)", true, 1},
      {"iptables-chains-flushed", R"(iptables: No chain/target/match by that name)",
       "Docker's iptables chains were flushed by firewalld, ufw or a script",
       "restart dockerd (it recreates the chains) and stop whatever flushes them", false, 1},
      {"bridge-missing", R"(could not find bridge docker0)", "the default bridge was deleted under a running daemon",
       "recreate docker0 (scripts/ensure-docker does) or restart dockerd; use a user network meanwhile", false, 1},
      {"shim-disconnected", R"(cleaning up after shim disconnected|stream copy error: reading from a closed fifo)",
       "container shims are dying (often OOM kills); noise unless it bursts",
       "correlate with OOM kills (`shipshape incidents`, dmesg) and the containers' memory limits", false, 20},
  };
  return kSignatures;
}

const LogSignature* matchLogLine(std::string_view line) {
  // Compiled once; std::regex is slow, so a cheap keyword filter runs first.
  static const std::vector<std::regex> kCompiled = [] {
    std::vector<std::regex> out;
    for (const auto& s : logSignatures()) out.emplace_back(std::string(s.pattern), std::regex::optimize);
    return out;
  }();
  static const std::string_view kHints[] = {"layer",        "overlay",    "space",  "graphdriver", "busy",
                                            "input/output", "containerd", "panic",  "freepages",   "network controller",
                                            "gateway",      "iptables",   "bridge", "shim",        "fifo"};
  bool hinted = false;
  for (auto h : kHints) hinted |= line.find(h) != std::string_view::npos;
  if (!hinted) return nullptr;
  std::string text(line);
  for (std::size_t i = 0; i < kCompiled.size(); ++i) {
    if (std::regex_search(text, kCompiled[i])) return &logSignatures()[i];
  }
  return nullptr;
}

}  // namespace shipshape::daemonwatch
