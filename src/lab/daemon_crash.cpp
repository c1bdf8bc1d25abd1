// Scenario 2, a daemon crash and overlay2 damage, on a private dockerd of the lab's own (its own data-root and
// network namespace; the host's engine is never touched). `shipshape watch` guards it as a child process —
// the guardian exactly as an operator runs it, with drain and undrain hooks and the daemon's log. The daemon
// gets SIGKILL; the guardian must open the daemon-down incident and drain; the daemon is started again (what
// systemd's Restart= does on a host) and the service container must come back on its own restart policy, the
// incident closed with the downtime. Then one of the image's overlay2 layers is deleted, as an unclean
// shutdown leaves it: the failed start must become a diagnosed incident from the daemon's log, and the
// runbook's targeted repair (remove the damaged image, load it again, recreate) must bring the container up.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "common/format.h"
#include "common/process.h"
#include "lab/private_daemon.h"
#include "lab/scenarios.h"
#include "store/incident_store.h"

namespace shipshape::lab {
namespace {

namespace fs = std::filesystem;
constexpr auto kStepDeadline = std::chrono::seconds(30);

std::string firstExecutable(std::initializer_list<const char*> paths) {
  for (const char* p : paths) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// Polls `probe` every 50 ms until it returns true, the deadline passes or the lab is interrupted.
template <typename Probe>
bool waitFor(LabContext& ctx, std::chrono::milliseconds deadline, Probe probe) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until && !ctx.stopping()) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the guardian's store and the engine
  }
  return false;
}

class DaemonCrash {
 public:
  explicit DaemonCrash(LabContext& ctx) : ctx_(ctx) {}

  ScenarioResult run() {
    r_.situation =
        "A service container runs on a Docker daemon that is killed (SIGKILL, as a crash or the OOM "
        "killer would), then loses an image layer from its overlay2 storage.";
    r_.task =
        "Notice the outage at once, drain, see the daemon and the service back and measure the downtime; "
        "explain the storage failure from the daemon's log and repair it.";
    if (::geteuid() != 0) return skipped("needs root: it runs a private dockerd in a network namespace of its own");
    if (firstExecutable({"/usr/sbin/dockerd"}).empty())
      return skipped("no /usr/sbin/dockerd: apt-get install docker.io");
    if (firstExecutable({"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}).empty()) {
      return skipped("no ip(8) for the network namespace: apt-get install iproute2");
    }
    if (auto ok = stage(); !ok) {
      r_.status = ScenarioResult::Status::kFailed;
      r_.result = "stopped: " + ok.error().describe();
    }
    return r_;
  }

 private:
  ScenarioResult skipped(const std::string& why) {
    r_.status = ScenarioResult::Status::kSkipped;
    r_.skipped_because = why;
    return r_;
  }

  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("daemon-crash: " + what);
  }

  std::optional<store::Incident> incident(store::IncidentStore& store, const std::string& kind) {
    auto list = store.list();
    if (!list) return std::nullopt;
    for (const auto& i : *list) {
      if (i.kind == kind) return i;
    }
    return std::nullopt;
  }

  // The runbook: remove the containers on the damaged image and the image, load a good copy, recreate them.
  Result<void> repairImage(docker::Client& engine, const docker::ContainerSpec& spec, const std::string& image_tar,
                           const std::vector<std::string>& names) {
    auto image = engine.inspectImage(spec.image);
    if (!image) return fail(image.error());
    auto all = engine.listContainers({.all = true});
    if (!all) return fail(all.error());
    for (const auto& c : *all) {
      if (c.image_id != image->id) continue;
      if (auto rm = engine.removeContainer(c.id, {.force = true}); !rm) return fail(rm.error());
    }
    if (auto rmi = engine.removeImage(spec.image, true); !rmi) return fail(rmi.error());
    if (auto loaded = engine.loadImage(image_tar); !loaded) return fail(loaded.error());
    for (const auto& name : names) {
      auto id = engine.createContainer(spec, name);
      if (!id) return fail(id.error());
      if (auto started = engine.startContainer(*id); !started) return fail(started.error());
    }
    return {};
  }

  Result<void> stage() {
    std::string image_tar;
    auto exported = ctx_.client().exportImage(ctx_.options().workload_image, [&](std::string_view chunk) {
      image_tar.append(chunk);
      return true;
    });
    if (!exported) return fail(exported.error().wrap("exporting the workload image for the private daemon"));

    PrivateDaemon daemon;
    if (auto started = daemon.start(); !started) return fail(started.error());
    docker::Client engine(daemon.endpoint());
    if (auto loaded = engine.loadImage(image_tar); !loaded) return fail(loaded.error());
    act("private dockerd up at " + daemon.host() + " (data-root " + daemon.dataRoot() + ")");

    docker::ContainerSpec spec = ctx_.workloadSpec();
    spec.network_mode = "none";  // the private daemon has no bridge
    spec.restart_policy = docker::RestartPolicy{.name = "always"};
    auto service = engine.createContainer(spec, "service");
    if (!service) return fail(service.error());
    if (auto s = engine.startContainer(*service); !s) return fail(s.error());

    // The guardian, as a child: the state directory is the lab's; hooks are /bin/true (what they ran is in the
    // incident's actions).
    std::string state = ctx_.workDir() + "/daemon-crash-state";
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return fail(ErrorCode::kIo, std::string("readlink /proc/self/exe: ") + std::strerror(errno));
    self[n] = '\0';
    auto watch =
        PipedProcess::spawn({self, "-H", daemon.host(), "watch", "--state-dir", state, "--daemon-log", daemon.logPath(),
                             "--drain-hook", "/bin/true", "--undrain-hook", "/bin/true", "--log-level", "info"},
                            {}, {});
    if (!watch) return fail(watch.error());
    struct StopWatch {
      PipedProcess& p;
      ~StopWatch() {
        p.signal(SIGTERM);
        (void)p.waitFor(std::chrono::seconds(5));
      }
    } stop_watch{**watch};
    if (!waitFor(ctx_, kStepDeadline,
                 [&] { return (*watch)->collectedStderr().find("[events] subscribed") != std::string::npos; })) {
      return fail(ErrorCode::kTimeout,
                  "shipshape watch did not subscribe to the private daemon's events:\n" + (*watch)->collectedStderr());
    }
    auto store = store::IncidentStore::open(state);
    if (!store) return fail(store.error());
    act("shipshape watch guards it (drain and undrain hooks, the daemon's log)");

    // The crash.
    std::int64_t killed_at = nowMs();
    daemon.kill9();
    act("dockerd killed with SIGKILL");
    std::optional<store::Incident> down;
    if (!waitFor(ctx_, kStepDeadline, [&] { return (down = incident(**store, "daemon-down")).has_value(); })) {
      return fail(ErrorCode::kTimeout, "no daemon-down incident within 30 s:\n" + (*watch)->collectedStderr());
    }
    r_.detected = true;
    r_.detect_ms = down->detected_at_ms - killed_at;
    act("detected: daemon-down incident #" + std::to_string(down->id) + ": " + down->situation);
    bool drained = waitFor(ctx_, kStepDeadline, [&] {
      auto i = incident(**store, "daemon-down");
      if (!i) return false;
      for (const auto& a : i->actions) {
        if (a.kind == "drain" && a.outcome == "ok") return true;
      }
      return false;
    });
    act(drained ? "drain hook ran" : "the drain hook did not run within 30 s");

    // What systemd's Restart= does on a host.
    if (auto started = daemon.start(); !started) return fail(started.error());
    act("dockerd started again (the service manager's part)");
    std::optional<std::int64_t> back_at;
    waitFor(ctx_, kStepDeadline, [&] {
      auto i = engine.inspectContainer(*service);
      if (i && i->state.running) back_at = nowMs();
      return back_at.has_value();
    });
    bool resolved = waitFor(ctx_, kStepDeadline, [&] {
      down = incident(**store, "daemon-down");
      return down && down->resolved_at_ms.has_value();
    });
    if (back_at) act("service container running again (restart policy always)");
    if (resolved) {
      act("incident resolved: " + down->result);
      r_.measurements.push_back({"daemon downtime", formatDurationMs(*down->downtimeMs())});
    }
    bool crash_repaired = drained && back_at && resolved;
    if (back_at) r_.measurements.push_back({"killed to service running", formatDurationMs(*back_at - killed_at)});

    // The storage damage.
    auto damaged = engine.createContainer(spec, "damaged");
    if (!damaged) return fail(damaged.error());
    auto inspected = engine.inspectContainer(*damaged);
    if (!inspected) return fail(inspected.error());
    std::string lower = inspected->graph_driver_data["LowerDir"];
    if (lower.empty()) return fail(ErrorCode::kApi, "the private daemon does not use overlay2 (no LowerDir)");
    std::string layer = lower.substr(lower.rfind(':') + 1);
    std::error_code ec;
    fs::remove_all(layer, ec);
    if (ec) return fail(ErrorCode::kIo, "deleting " + layer + ": " + ec.message());
    std::int64_t damaged_at = nowMs();
    auto start = engine.startContainer(*damaged);
    act("an image layer deleted from overlay2; starting a container: " +
        (start ? std::string("started (?)") : start.error().describe()));
    std::optional<store::Incident> overlay;
    bool diagnosed = waitFor(ctx_, kStepDeadline, [&] {
      return (overlay = incident(**store, "daemon-overlay2-mount-missing-layer")).has_value() &&
             !overlay->actions.empty();
    });
    bool overlay_repaired = false;
    if (diagnosed) {
      act("detected: " + overlay->kind + ": " + overlay->actions[0].outcome);
      r_.measurements.push_back(
          {"overlay2: damaged start to diagnosis", formatDurationMs(overlay->detected_at_ms - damaged_at)});
      // The runbook's targeted repair: the damaged image goes, a good copy comes back (from the host's engine
      // here; a registry pull elsewhere), the container is recreated.
      // Every container on the image shares the lost layer (the running service too: its mount was made
      // before the loss), so all of them go and come back.
      auto started = repairImage(engine, spec, image_tar, {"service", "damaged"});
      if (started) {
        overlay_repaired = true;
        std::int64_t up_at = nowMs();
        r_.measurements.push_back(
            {"overlay2: diagnosis to container running", formatDurationMs(up_at - overlay->detected_at_ms)});
        act("repaired by following the diagnosis's runbook (the lab's hand: shipshape diagnoses, it deletes no image "
            "by itself): the containers on the damaged image and the image removed, the image loaded again, both "
            "containers recreated and running");
      } else {
        act("the runbook's repair failed: " + started.error().describe());
      }
    } else {
      act("the overlay2 failure was not diagnosed within 30 s");
    }

    r_.repaired = crash_repaired && overlay_repaired;
    if (resolved) r_.recover_ms = *down->resolved_at_ms - down->detected_at_ms;
    r_.status = r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    r_.result = r_.repaired ? "The crash was seen " + formatDurationMs(*r_.detect_ms) +
                                  " after the kill and drained; the "
                                  "service ran again " +
                                  formatDurationMs(*back_at - killed_at) +
                                  " after the kill, the incident "
                                  "closed with " +
                                  formatDurationMs(*down->downtimeMs()) +
                                  " of downtime. The missing overlay2 "
                                  "layer was diagnosed from the daemon's log and repaired."
                            : std::string("Not repaired: ") + (drained ? "" : "no drain; ") +
                                  (back_at ? "" : "service not back; ") + (resolved ? "" : "incident not resolved; ") +
                                  (diagnosed ? "" : "overlay2 not diagnosed; ") +
                                  (overlay_repaired || !diagnosed ? "" : "overlay2 repair failed");
    return {};
  }

  LabContext& ctx_;
  ScenarioResult r_;
};

}  // namespace

ScenarioResult runDaemonCrash(LabContext& ctx) { return DaemonCrash(ctx).run(); }

}  // namespace shipshape::lab
