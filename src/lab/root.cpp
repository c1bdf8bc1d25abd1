// Scenario 4, root containers: a team's image runs as root and carries a cloud key in one of its layers. The
// image is made here as such images are (the workload plus a layer with an `.env` file, committed with `USER
// 0`). shipshape finds it three ways, each its own real component: the live audit (the running container),
// the image scan (every layer of the export), and `shipshape admit` as the authorization plugin of a private
// dockerd (the same create refused at the engine's door, with the rules and their fixes). The fixed create —
// the workload's own non-root user, memory and CPU limits, a named volume — is admitted and runs.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "audit/live_collector.h"
#include "common/format.h"
#include "common/process.h"
#include "lab/private_daemon.h"
#include "lab/scenarios.h"
#include "rules/live_checks.h"
#include "scan/scanner.h"
#include "volumes/small_tar.h"

namespace shipshape::lab {
namespace {

constexpr auto kStepDeadline = std::chrono::seconds(30);

// A key in AWS's shape that was never issued: the scanner's pattern matches it, nobody can use it.
constexpr const char* kFakeKeyId =
    "AKIA"
    "LABFAKE0SHIPSHAPE";

template <typename Probe>
bool waitFor(LabContext& ctx, std::chrono::milliseconds deadline, Probe probe) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until && !ctx.stopping()) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a child's output
  }
  return false;
}

std::string selfExe() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  return std::string(self, static_cast<std::size_t>(n));
}

class Root {
 public:
  explicit Root(LabContext& ctx) : ctx_(ctx), client_(ctx.client()) {}

  ScenarioResult run() {
    r_.situation =
        "A team's image runs as root (USER 0) with no limits, its data on an anonymous volume, and an "
        "AWS key in an .env file of one of its layers; containers are created from it at will.";
    r_.task =
        "Find the root container and what is inside its image, refuse the same create at the engine's "
        "door with the reasons and fixes, and let the fixed version in.";
    bool can_admit = ::geteuid() == 0 && ::access("/usr/sbin/dockerd", X_OK) == 0;
    if (auto ok = stage(can_admit); !ok) {
      r_.status = ScenarioResult::Status::kFailed;
      r_.result = "stopped: " + ok.error().describe();
    }
    if (!can_admit && r_.status != ScenarioResult::Status::kFailed) {
      r_.status = ScenarioResult::Status::kSkipped;
      r_.skipped_because =
          "the admission part needs root and /usr/sbin/dockerd (apt-get install docker.io) for a "
          "private daemon; audit and scan ran: " +
          r_.result;
    }
    return r_;
  }

 private:
  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("root: " + what);
  }

  // The workload plus a layer with /app/.env, committed as root: the image under test.
  Result<std::string> makeBadImage() {
    docker::ContainerSpec spec = ctx_.workloadSpec();
    std::string builder = ctx_.name("build");
    auto id = client_.createContainer(spec, builder);
    if (!id) return fail(id.error());
    std::string env = std::string("AWS_ACCESS_KEY_ID=") + kFakeKeyId + "\nAWS_REGION=eu-west-1\n";
    auto put = client_.putArchive(*id, "/", volumes::smallTar({{"app/", "", true}, {"app/.env", env, false, 0600}}));
    if (!put) return fail(put.error());
    std::string repo = ctx_.name("app");
    auto image = client_.commitContainer(*id, repo, "root", {"USER 0", "LABEL shipshape.lab=" + ctx_.runId()});
    (void)client_.removeContainer(*id, {.force = true, .volumes = true});  // and the image's VOLUME with it
    if (!image) return fail(image.error());
    ctx_.trackImage(repo + ":root");
    return repo + ":root";
  }

  Result<void> stage(bool can_admit) {
    auto bad = makeBadImage();
    if (!bad) return fail(bad.error());
    act("image " + *bad + " built: the workload + a layer with /app/.env (an AWS key ID), USER 0");

    // The running root container, found by the live audit.
    docker::ContainerSpec root_spec = ctx_.workloadSpec();
    root_spec.image = *bad;
    std::string name = ctx_.name("root");
    auto id = ctx_.startWorkload(name, root_spec);
    if (!id) return fail(id.error());
    std::int64_t running_at = nowMs();
    std::vector<rules::InputError> errors;
    auto live = audit::collectLive(client_, &errors);
    if (!live) return fail(live.error());
    std::vector<std::string> live_rules;
    for (const auto& f : rules::checkLive(*live)) {
      if (f.location.object_name == name) live_rules.push_back(f.rule_id);
    }
    bool root_found = std::find(live_rules.begin(), live_rules.end(), "SS401") != live_rules.end();
    if (root_found) {
      r_.detected = true;
      r_.detect_ms = nowMs() - running_at;
    }
    act("audit --live on " + name + ": " + join(live_rules, ", "));

    // What is inside the image.
    auto scanned = scan::scanImage(client_, *bad, {});
    if (!scanned) return fail(scanned.error());
    std::string secret_where;
    std::vector<std::string> image_rules;
    for (const auto& f : scanned->findings) {
      image_rules.push_back(f.rule_id);
      if (f.rule_id == "SS412" && secret_where.empty()) {
        secret_where =
            f.path + " in layer " + std::to_string(f.layer + 1) + " of " + std::to_string(scanned->layers.size());
      }
    }
    act("scan " + *bad + ": " + std::to_string(scanned->findings.size()) + " findings (" + join(image_rules, ", ") +
        ")" + (secret_where.empty() ? "" : "; the secret: " + secret_where));
    r_.measurements.push_back({"live audit rules on the root container", join(live_rules, " ")});
    r_.measurements.push_back({"image scan rules", join(image_rules, " ")});
    r_.measurements.push_back(
        {"image scan time", formatDurationMs(static_cast<std::int64_t>(scanned->seconds * 1000))});
    bool secret_found = !secret_where.empty();
    if (!can_admit) {
      r_.result = std::string(root_found ? "root container found" : "root container NOT found") + ", " +
                  (secret_found ? "secret found in " + secret_where : "secret NOT found");
      return {};
    }
    return admission(*bad, root_found && secret_found);
  }

  Result<void> admission(const std::string& bad, bool found) {
    std::string tar;
    for (const auto& image : {bad, ctx_.options().workload_image}) {
      auto exported = client_.exportImage(image, [&](std::string_view chunk) {
        tar.append(chunk);
        return true;
      });
      if (!exported) return fail(exported.error());
      imageTars_.push_back(std::move(tar));
      tar.clear();
    }
    std::string plugin = "shipshape-lab-" + ctx_.runId();
    PrivateDaemon daemon({"--authorization-plugin=" + plugin}, /*private_plugins=*/true);
    std::string self = selfExe();
    if (self.empty()) return fail(ErrorCode::kIo, std::string("readlink /proc/self/exe: ") + std::strerror(errno));
    // The plugin first: the engine checks its authorization plugins when it starts.
    auto admit = PipedProcess::spawn(
        {self, "-H", daemon.host(), "admit", "--mode", "enforce", "--socket",
         daemon.pluginDir() + "/" + plugin + ".sock", "--state-dir", ctx_.workDir() + "/admit-state"},
        {}, {});
    if (!admit) return fail(admit.error());
    struct StopAdmit {
      PipedProcess& p;
      ~StopAdmit() {
        p.signal(SIGTERM);
        (void)p.waitFor(std::chrono::seconds(5));
      }
    } stop_admit{**admit};
    if (!waitFor(ctx_, kStepDeadline,
                 [&] { return (*admit)->collectedStderr().find("authorization plugin on") != std::string::npos; })) {
      return fail(ErrorCode::kTimeout, "shipshape admit did not start:\n" + (*admit)->collectedStderr());
    }
    if (auto started = daemon.start(); !started) return fail(started.error());
    docker::Client engine(daemon.endpoint());
    for (auto& image_tar : imageTars_) {
      if (auto loaded = engine.loadImage(std::move(image_tar)); !loaded) return fail(loaded.error());
    }
    act("private dockerd with --authorization-plugin=" + plugin + " (shipshape admit, enforce)");

    // The team's usual create: refused.
    docker::ContainerSpec spec;
    spec.image = bad;
    spec.network_mode = "none";
    std::int64_t asked_at = nowMs();
    auto denied = engine.createContainer(spec, "app");
    std::int64_t answered_at = nowMs();
    bool refused = !denied && denied.error().describe().find("authorization denied by plugin") != std::string::npos;
    act(refused ? "create refused in " + formatDurationMs(answered_at - asked_at) + ": " + denied.error().describe()
                : std::string("create NOT refused") + (denied ? "" : ": " + denied.error().describe()));
    if (denied) (void)engine.removeContainer(*denied, {.force = true});

    // The fix: the workload's own non-root user, limits, a named volume for the image's VOLUME.
    docker::ContainerSpec fixed;
    fixed.image = ctx_.options().workload_image;
    fixed.network_mode = "none";
    fixed.memory = 64LL << 20;
    fixed.nano_cpus = 500'000'000;
    fixed.mounts.push_back({.type = "volume", .source = "appdata", .target = "/data"});
    auto admitted = engine.createContainer(fixed, "app");
    auto started = admitted ? engine.startContainer(*admitted) : Result<void>(fail(admitted.error()));
    std::int64_t fixed_at = nowMs();
    act(started ? "the fixed create (non-root user, --memory 64m --cpus 0.5, -v appdata:/data) admitted and running"
                : "the fixed create failed: " + started.error().describe());
    r_.measurements.push_back({"admission: request to refusal", formatDurationMs(answered_at - asked_at)});

    r_.repaired = found && refused && static_cast<bool>(started);
    if (r_.repaired) r_.recover_ms = fixed_at - answered_at;
    r_.status = r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    r_.result = r_.repaired ? "The root container was found by the live audit, the key in its image's layer by the "
                              "scan; the engine refused the same create in " +
                                  formatDurationMs(answered_at - asked_at) +
                                  " naming each rule and its fix, and admitted the fixed one."
                            : std::string("Not repaired: ") + (found ? "" : "audit or scan missed it; ") +
                                  (refused ? "" : "the create was not refused; ") +
                                  (started ? "" : "the fixed create did not run");
    return {};
  }

  static std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
  }

  LabContext& ctx_;
  docker::Client& client_;
  ScenarioResult r_;
  std::vector<std::string> imageTars_;
};

}  // namespace

ScenarioResult runRoot(LabContext& ctx) { return Root(ctx).run(); }

}  // namespace shipshape::lab
