// Scenario 5, a failed rolling deployment: a web service behind shipshape's proxy serves a steady client while
// four releases go out through the real deploy path (ProxyHost hosting the proxy and its bakes, Deployer
// gating and switching, the release ledger): v1 and v2 are good, v3 fails its health check (it must never
// take a request), v4 passes every gate and starts answering 500 after its 100th request (it must be switched
// back to v2 at once). Counted from the client's side: requests failed, requests served by v3, 5xx answers.
// Each version is the workload image with its own environment, as a configuration change ships.

#include <fstream>
#include <thread>

#include "common/format.h"
#include "deploy/admin_client.h"
#include "deploy/deployer.h"
#include "deploy/proxy_host.h"
#include "lab/client_load.h"
#include "lab/scenarios.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::lab {
namespace {

struct Version {
  const char* name;
  const char* env;  // extra environment lines for the Compose file
  std::int64_t bake_ms;
};
constexpr Version kVersions[] = {
    {"v1", "", 0},
    {"v2", "", 2000},
    {"v3", "      HEALTH: fail\n", 2000},
    {"v4", "      ERRORS_AFTER_REQUESTS: \"100\"\n", 20000},
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class BadDeploy {
 public:
  explicit BadDeploy(LabContext& ctx) : ctx_(ctx), client_(ctx.client()) {}

  ScenarioResult run() {
    r_.situation =
        "A web service behind shipshape's proxy serves a steady client (200 requests/s). Four releases "
        "go out: v1 and v2 good, v3 failing its health check, v4 healthy at first and answering 500 "
        "after its 100th request.";
    r_.task =
        "Ship the good releases without a failed request, never let v3 take a request, and take v4 out of "
        "service as soon as it regresses — no human, measured.";
    auto ok = stage();
    removeKeepTags();
    if (!ok) {
      r_.status = ScenarioResult::Status::kFailed;
      r_.result = "stopped: " + ok.error().describe();
    }
    return r_;
  }

 private:
  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("bad-deploy: " + what);
  }

  Result<void> writeCompose(const Version& v) {
    std::ofstream out(compose_, std::ios::trunc);
    // /data as a tmpfs: the workload image declares VOLUME /data, and the deploy path removes a superseded
    // release without its volumes (a real service's data is kept), which would leave one anonymous volume
    // behind the lab; this web service keeps nothing there.
    out << "services:\n  " << service_ << ":\n    image: \"" << image_id_ << "\"\n    network_mode: bridge\n"
        << "    tmpfs: [/data]\n"
        << "    environment:\n      APP_VERSION: " << v.name << "\n"
        << v.env << "    labels:\n"
        << "      shipshape.lab: \"" << ctx_.runId() << "\"\n"
        << "      shipshape.proxy.listen: \"127.0.0.1:" << port_ << "\"\n"
        << "      shipshape.proxy.port: \"8080\"\n      shipshape.health.path: /health\n";
    out.close();
    if (!out) return fail(ErrorCode::kIo, "writing " + compose_);
    return {};
  }

  Result<deploy::DeployResult> ship(deploy::Deployer& deployer, const Version& v) {
    if (auto w = writeCompose(v); !w) return fail(w.error());
    deploy::DeployRequest request;
    request.service = service_;
    request.compose_files = {compose_};
    request.project_name = ctx_.name("deploy");
    request.bake_ms = v.bake_ms;
    request.actor = "shipshape lab";
    auto result = deployer.deploy(request);
    if (!result) return fail(result.error().wrap("deploying " + std::string(v.name)));
    act(std::string(v.name) + ": " + result->outcome + (result->reason.empty() ? "" : " (" + result->reason + ")"));
    return result;
  }

  std::string served() { return httpCall("GET", url_, "", std::chrono::seconds(2)).body; }

  void removeKeepTags() {
    auto images = client_.listImages();
    if (!images) return;
    for (const auto& image : *images) {
      for (const auto& tag : image.repo_tags) {
        if (tag.starts_with("shipshape-keep/" + service_ + ":")) (void)client_.removeImage(tag);
      }
    }
  }

  Result<void> stage() {
    auto image = client_.inspectImage(ctx_.options().workload_image);
    if (!image) return fail(image.error());
    image_id_ = image->id;
    auto port = freeLoopbackPort();
    if (!port) return fail(port.error());
    port_ = *port;
    url_ = "http://127.0.0.1:" + std::to_string(port_) + "/version";
    service_ = ctx_.name("web");
    std::string state = ctx_.workDir() + "/deploy-state";
    compose_ = ctx_.workDir() + "/deploy-compose.yaml";

    auto incidents = store::IncidentStore::open(state);
    if (!incidents) return fail(incidents.error());
    auto releases = store::ReleaseStore::open(state);
    if (!releases) return fail(releases.error());
    // The proxy host as `shipshape watch` runs it; the Deployer talks to it over its admin socket, as the
    // `deploy` command does. Torn down in reverse: deployer, admin client, host, stores.
    auto host = deploy::ProxyHost::start({.state_dir = state, .docker_host = ctx_.options().docker_host, .threads = 2},
                                         **releases, **incidents);
    if (!host) return fail(host.error());
    deploy::AdminClient admin(deploy::adminSocketPath(state));
    deploy::Deployer deployer(client_, **releases, **incidents, admin, [this](const deploy::DeployEvent& e) {
      if (e.status == "failed") ctx_.say("bad-deploy:   " + e.step + " failed: " + e.message);
    });

    auto first = ship(deployer, kVersions[0]);
    if (!first) return fail(first.error());
    if (first->outcome != store::kPromoted) return fail(ErrorCode::kApi, "v1 was not promoted: " + first->reason);
    act("v1 serving at " + url_ + " (answers \"" + trimmed(served()) + "\")");

    ClientLoad load(url_, 2, 100);
    for (int i = 1; i < 4 && !ctx_.stopping(); ++i) {
      auto result = ship(deployer, kVersions[i]);
      if (!result) return fail(result.error());
    }
    // A moment of load on whatever serves now, then the client's counts.
    auto settle_until = load.counts().total + 200;
    while (load.counts().total < settle_until && !ctx_.stopping())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    LoadCounts counts = load.stop();
    std::string now_serving = trimmed(served());

    auto ledger = (*releases)->list(service_);
    if (!ledger) return fail(ledger.error());
    if (ledger->size() != 4)
      return fail(ErrorCode::kApi, "the ledger holds " + std::to_string(ledger->size()) + " releases, not 4");
    const store::Release& v3 = (*ledger)[2];
    const store::Release& v4 = (*ledger)[3];
    long served_v3 = counts.bodies.count("v3\n") ? counts.bodies.at("v3\n") : 0;
    long served_v4 = counts.bodies.count("v4\n") ? counts.bodies.at("v4\n") : 0;

    r_.detected = v3.outcome == store::kFailed && v4.outcome == store::kRolledBack;
    if (v4.detect_ms) r_.detect_ms = *v4.detect_ms;
    if (v4.rollback_ms) r_.recover_ms = *v4.rollback_ms;
    r_.repaired = r_.detected && counts.failed == 0 && served_v3 == 0 && now_serving == "v2";
    auto msOr = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) + " ms" : std::string("-"); };
    r_.measurements = {
        {"requests", std::to_string(counts.total)},
        {"requests failed", std::to_string(counts.failed)},
        {"requests served by v3 (unhealthy)", std::to_string(served_v3)},
        {"requests served by v4 before its regression", std::to_string(served_v4)},
        {"5xx answers from v4 before the switch back", std::to_string(counts.errors_5xx)},
        {"v3: failed check to candidate gone", msOr(v3.rollback_ms)},
        {"v4: first 500 to breach seen", msOr(v4.detect_ms)},
        {"v4: breach to v2 serving alone", msOr(v4.rollback_ms)},
        {"serving at the end", now_serving},
    };
    act("v3 " + v3.outcome + ": " + v3.reason);
    act("v4 " + v4.outcome + ": " + v4.reason);
    act("serving at the end: " + now_serving + "; client: " + std::to_string(counts.total) + " requests, " +
        std::to_string(counts.failed) + " failed, " + std::to_string(served_v3) + " served by v3, " +
        std::to_string(counts.errors_5xx) + " answered 500 by v4");
    r_.status = r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    r_.result =
        r_.repaired
            ? "v3 never took a request and was gone " + msOr(v3.rollback_ms) +
                  " after its failed check; v4 "
                  "was switched back to v2 " +
                  msOr(v4.rollback_ms) + " after the breach (" + msOr(v4.detect_ms) + " after its first 500). " +
                  std::to_string(counts.total) + " requests, " + std::to_string(counts.failed) + " failed; " +
                  std::to_string(counts.errors_5xx) + " answered 500 by v4 inside the detection window."
            : "Not repaired: v3 " + v3.outcome + ", v4 " + v4.outcome + ", " + std::to_string(counts.failed) +
                  " requests failed, " + std::to_string(served_v3) + " served by v3, serving " + now_serving + ".";
    return {};
  }

  LabContext& ctx_;
  docker::Client& client_;
  ScenarioResult r_;
  std::string image_id_, service_, compose_, url_;
  int port_ = 0;
};

}  // namespace

ScenarioResult runBadDeploy(LabContext& ctx) { return BadDeploy(ctx).run(); }

}  // namespace shipshape::lab
