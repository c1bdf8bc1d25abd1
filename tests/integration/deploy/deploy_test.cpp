// Deploys on the real engine, under load, judged from the client side: `shipshape proxy` runs beside the test,
// `shipshape deploy|rollback|adopt|releases` are run as a user would, and a load generator counts every answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/http_get.h"
#include "support/load_generator.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class Deploy : public DockerTest {
 protected:
  static void SetUpTestSuite() {
    auto built = runProcess({SHIPSHAPE_SOURCE_DIR "/scripts/build-testapp-versions", kTestappImage}, {}, 120s);
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  }

  void SetUp() override {
    DockerTest::SetUp();
    state_ = "/tmp/ss-deploy-" + prefix();
    std::filesystem::create_directories(state_);
    port_ = freeLoopbackPort();
    metrics_port_ = freeLoopbackPort();
    proxy_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        SHIPSHAPE_BINARY, "proxy", "--state-dir", state_, "--listen", "127.0.0.1:" + std::to_string(metrics_port_),
        "--log-level", "info"});
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(state_ + "/proxy.sock"); }, 5s)) << proxy_->output();
    service_ = prefix() + "-web";
    writeCompose({});
  }

  void TearDown() override {
    if (proxy_) {
      proxy_->stop(SIGTERM, 5s);
      if (HasFailure()) std::cerr << "proxy output:\n" << proxy_->output();
    }
    // Keep tags protect released images from pruning; the test's own go with it, passed or failed.
    if (auto images = client().listImages()) {
      for (const auto& image : *images) {
        for (const auto& tag : image.repo_tags) {
          if (tag.starts_with("shipshape-keep/" + service_ + ":")) (void)client().removeImage(tag);
        }
      }
    }
    DockerTest::TearDown();
    std::filesystem::remove_all(state_);
  }

  // A Compose file for the service: testapp on the default bridge, behind the proxy on port_. /data is a
  // tmpfs: testapp declares VOLUME /data, and a superseded release is removed without its volumes (a real
  // service's data is kept), which left one anonymous volume per release on the test host.
  void writeCompose(const std::vector<std::string>& extra_labels) {
    compose_ = state_ + "/compose.yaml";
    std::ofstream out(compose_);
    out << "services:\n  " << service_ << ":\n    image: shipshape/testapp:v1\n    network_mode: bridge\n"
        << "    tmpfs: [/data]\n"
        << "    labels:\n      " << kTestLabel << ": \"" << prefix() << "\"\n"
        << "      shipshape.proxy.listen: \"127.0.0.1:" << port_ << "\"\n"
        << "      shipshape.proxy.port: \"8080\"\n      shipshape.health.path: /health\n";
    for (const auto& l : extra_labels) out << "      " << l << "\n";
    out << "    x-shipshape:\n      smoke:\n        - {name: version, http: \"GET /version 200\"}\n";
  }

  ProcessResult shipshape(std::vector<std::string> args) {
    args.insert(args.begin(), SHIPSHAPE_BINARY);
    args.push_back("--state-dir");
    args.push_back(state_);
    return runProcess(args, {}, 120s);
  }
  ProcessResult deploy(const std::string& image, const std::string& bake = "0s") {
    return shipshape({"deploy", service_, "-f", compose_, "--image", image, "--bake", bake});
  }
  json releases() {
    auto r = shipshape({"releases", service_, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  std::string served() {
    auto r = httpRequest("GET", "http://127.0.0.1:" + std::to_string(port_) + "/version");
    return r ? r->body : "error: " + r.error().describe();
  }
  bool containerGone(const std::string& id) {
    auto i = client().inspectContainer(id);
    return !i && i.error().code == ErrorCode::kNotFound;
  }
  LoadGenerator load() { return LoadGenerator("127.0.0.1", port_, "/version", 4, 400); }

  std::string state_, compose_, service_;
  unsigned short port_ = 0, metrics_port_ = 0;
  std::unique_ptr<BackgroundProcess> proxy_;
};

TEST_F(Deploy, FirstDeployServesThenAGoodDeployUnderLoadLosesNoRequest) {
  auto first = deploy("shipshape/testapp:v1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(served(), "v1\n");

  auto gen = load();
  gen.start();
  std::this_thread::sleep_for(500ms);
  auto second = shipshape({"deploy", service_, "-f", compose_, "--image", "shipshape/testapp:v2", "--bake", "2s", "--json"});
  std::this_thread::sleep_for(500ms);
  LoadStats stats = gen.stop();
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(stats.failed, 0) << stats.summary();
  EXPECT_EQ(stats.non2xx(), 0) << stats.summary();
  EXPECT_GT(stats.bodies["v1\n"], 0) << stats.summary();
  EXPECT_GT(stats.bodies["v2\n"], 0) << stats.summary();
  EXPECT_EQ(stats.bodies.size(), 2u) << stats.summary();
  EXPECT_EQ(served(), "v2\n");

  // --json: one event per line, ending with done/ok; the gate ran before the switch.
  std::vector<std::string> steps;
  std::istringstream lines(second.out);
  for (std::string line; std::getline(lines, line);) {
    auto e = json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << line;
    steps.push_back(e["step"].get<std::string>() + "/" + e["status"].get<std::string>());
  }
  auto at = [&](const std::string& s) { return std::find(steps.begin(), steps.end(), s) - steps.begin(); };
  EXPECT_LT(at("health/ok"), at("switch/ok"));
  EXPECT_LT(at("probe/ok"), at("switch/ok"));
  EXPECT_LT(at("smoke:version/ok"), at("switch/ok"));
  EXPECT_EQ(steps.back(), "done/ok");

  json ledger = releases();
  ASSERT_EQ(ledger.size(), 2u) << ledger.dump(2);
  EXPECT_EQ(ledger[0]["outcome"], "superseded");
  EXPECT_EQ(ledger[1]["outcome"], "promoted");
  EXPECT_EQ(ledger[1]["image"], "shipshape/testapp:v2");
  auto v2 = client().inspectImage("shipshape/testapp:v2");
  ASSERT_TRUE(v2);
  EXPECT_EQ(ledger[1]["digest"], v2->id);  // a local image has no repo digest: its ID is what ran
  EXPECT_FALSE(ledger[1]["started_at"].is_null());
  EXPECT_FALSE(ledger[1]["finished_at"].is_null());
  EXPECT_TRUE(containerGone(ledger[0]["container_id"].get<std::string>()));  // drained, stopped, removed

  // Both known-good images carry shipshape's keep tag.
  auto kept = client().inspectImage("shipshape-keep/" + service_ + ":release-" + std::to_string(ledger[1]["id"].get<int>()));
  EXPECT_TRUE(kept) << kept.error().describe();

  // Per-upstream counters on the proxy's /metrics.
  auto metrics = httpRequest("GET", "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("shipshape_proxy_requests_total{service=\"" + service_ + "\",role=\"active\""),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("shipshape_proxy_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(Deploy, AnImageFailingItsHealthCheckNeverServesAndIsGoneFast) {
  ASSERT_EQ(deploy("shipshape/testapp:v1").exit_code, 0);
  auto gen = load();
  gen.start();
  auto bad = deploy("shipshape/testapp:bad");
  LoadStats stats = gen.stop();
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("health check failed"), std::string::npos) << bad.err;
  EXPECT_EQ(stats.failed, 0) << stats.summary();
  EXPECT_EQ(stats.bodies["bad\n"], 0) << stats.summary();
  EXPECT_EQ(stats.non2xx(), 0) << stats.summary();
  EXPECT_EQ(served(), "v1\n");

  json ledger = releases();
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1]["outcome"], "failed");
  EXPECT_NE(ledger[1]["reason"].get<std::string>().find("health"), std::string::npos);
  EXPECT_LT(ledger[1]["time_to_rollback_ms"].get<int>(), 2000);  // first failed check -> candidate gone
  EXPECT_TRUE(containerGone(ledger[1]["container_id"].get<std::string>()));
  EXPECT_EQ(ledger[0]["outcome"], "promoted");

  auto incidents = shipshape({"incidents", "list", "--format", "json"});
  EXPECT_NE(incidents.out.find("deploy-failed"), std::string::npos) << incidents.out;

  // A failing smoke command stops a healthy candidate the same way.
  writeCompose({"shipshape.smoke.check.cmd: '[\"/bin/false\"]'"});
  auto smoke = deploy("shipshape/testapp:v2");
  EXPECT_EQ(smoke.exit_code, 1) << smoke.err;
  EXPECT_NE(smoke.err.find("smoke:check"), std::string::npos) << smoke.err;
  EXPECT_EQ(served(), "v1\n");
}

TEST_F(Deploy, ARegressionAfterTheSwitchIsSwitchedBackWithinASecond) {
  ASSERT_EQ(deploy("shipshape/testapp:v1").exit_code, 0);
  auto gen = load();
  gen.start();
  auto regress = deploy("shipshape/testapp:regress", "60s");
  LoadStats stats = gen.stop();
  EXPECT_EQ(regress.exit_code, 1) << regress.err;
  EXPECT_NE(regress.err.find("rolled_back"), std::string::npos) << regress.err;
  EXPECT_EQ(stats.failed, 0) << stats.summary();
  EXPECT_EQ(served(), "v1\n");

  json ledger = releases();
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1]["outcome"], "rolled_back");
  EXPECT_LT(ledger[1]["time_to_detect_ms"].get<int>() + ledger[1]["time_to_rollback_ms"].get<int>(), 1000)
      << ledger[1].dump();
  EXPECT_EQ(ledger[0]["outcome"], "promoted");
  EXPECT_TRUE(eventually([&] { return containerGone(ledger[1]["container_id"].get<std::string>()); }, 10s));
  auto incidents = shipshape({"incidents", "list", "--format", "json"});
  EXPECT_NE(incidents.out.find("deploy-rolled-back"), std::string::npos) << incidents.out;
}

TEST_F(Deploy, RollbackThreeReleasesBackNeedsNoRegistryAndNoOriginalTag) {
  // A tag only this test uses, deleted before the rollback: only shipshape's keep tag holds the image.
  std::string own_tag = prefix() + "-app:one";
  ASSERT_TRUE(client().tagImage("shipshape/testapp:v1", prefix() + "-app", "one"));
  ASSERT_EQ(deploy(own_tag).exit_code, 0);
  ASSERT_EQ(deploy("shipshape/testapp:v2").exit_code, 0);
  ASSERT_EQ(deploy("shipshape/testapp:v3").exit_code, 0);
  ASSERT_TRUE(client().removeImage(own_tag));
  EXPECT_EQ(served(), "v3\n");

  auto rollback = shipshape({"rollback", service_, "--to", "1", "--bake", "0s"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(served(), "v1\n");
  json ledger = releases();
  ASSERT_EQ(ledger.size(), 4u);
  EXPECT_EQ(ledger[3]["rollback_of"], 1);
  EXPECT_EQ(ledger[3]["outcome"], "promoted");
  EXPECT_EQ(ledger[3]["image"], own_tag);
  EXPECT_EQ(ledger[3]["digest"], ledger[0]["digest"]);

  // Without --to: the newest known-good release before the current one (v3).
  ASSERT_EQ(shipshape({"rollback", service_, "--bake", "0s"}).exit_code, 0);
  EXPECT_EQ(served(), "v3\n");
}

TEST_F(Deploy, RefusesMutableReferencesAndSaysWhatIsMissing) {
  auto latest = deploy("shipshape/testapp:latest");
  EXPECT_EQ(latest.exit_code, 2);
  EXPECT_NE(latest.err.find("mutable"), std::string::npos) << latest.err;
  auto untagged = deploy("shipshape/testapp");
  EXPECT_EQ(untagged.exit_code, 2);
  auto unknown = shipshape({"deploy", "no-such-service", "--image", "shipshape/testapp:v1"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("adopt"), std::string::npos) << unknown.err;
  // No proxy for this state dir: one clear line.
  auto none = runProcess({SHIPSHAPE_BINARY, "deploy", service_, "-f", compose_, "--image", "shipshape/testapp:v1",
                          "--state-dir", state_ + "/elsewhere"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no shipshape proxy answers"), std::string::npos) << none.err;
  EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1) << none.err;
}

TEST_F(Deploy, AnAdoptedContainerIsServedAndReplacedByTheNextDeploy) {
  auto spec = testappSpec();
  spec.image = "shipshape/testapp:v1";
  spec.mounts.push_back({"tmpfs", "", "/data", false});  // no anonymous volume left behind (see writeCompose)
  std::string id = runTestapp("adoptee", spec);
  auto adopted = shipshape({"adopt", name("adoptee"), "--service", service_, "--listen",
                            "127.0.0.1:" + std::to_string(port_), "--port", "8080", "--health-path", "/health"});
  ASSERT_EQ(adopted.exit_code, 0) << adopted.err;
  EXPECT_EQ(served(), "v1\n");
  auto gen = load();
  gen.start();
  auto next = shipshape({"deploy", service_, "--image", "shipshape/testapp:v2", "--bake", "1s"});
  LoadStats stats = gen.stop();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(stats.failed, 0) << stats.summary();
  EXPECT_EQ(served(), "v2\n");
  EXPECT_TRUE(containerGone(id));
  json ledger = releases();
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0]["container"], name("adoptee"));
}

TEST_F(Deploy, AProxyRestartedMidBakeServesTheNewReleaseAndFinishesTheOldOne) {
  ASSERT_EQ(deploy("shipshape/testapp:v1").exit_code, 0);
  auto baking = shipshape({"deploy", service_, "-f", compose_, "--image", "shipshape/testapp:v2", "--bake", "10m",
                           "--detach"});
  ASSERT_EQ(baking.exit_code, 0) << baking.err;
  json before = releases();
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0]["outcome"], "promoted");  // still warm for the bake
  EXPECT_EQ(before[1]["outcome"], "promoted");
  std::string old_container = before[0]["container_id"];
  EXPECT_FALSE(containerGone(old_container));
  // One deploy at a time: another one is refused before it starts anything.
  auto meanwhile = deploy("shipshape/testapp:v3");
  EXPECT_EQ(meanwhile.exit_code, 2);
  EXPECT_NE(meanwhile.err.find("still baking"), std::string::npos) << meanwhile.err;
  EXPECT_EQ(releases().size(), 2u);

  // The host stops mid-bake (the bake's verdict is lost with it) and comes back.
  EXPECT_EQ(proxy_->stop(SIGTERM, 10s), 0);
  proxy_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{SHIPSHAPE_BINARY, "proxy", "--state-dir", state_, "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return served() == "v2\n"; }, 15s)) << proxy_->output();
  json after = releases();
  EXPECT_EQ(after[0]["outcome"], "superseded");
  EXPECT_EQ(after[1]["outcome"], "promoted");
  EXPECT_TRUE(containerGone(old_container));
}

TEST_F(Deploy, TheGuardianHostsTheProxyWhenNoStandaloneOneRuns) {
  // A SIGTERM right after the socket appeared is a clean shutdown that unlinks it.
  ASSERT_EQ(proxy_->stop(SIGTERM, 30s), 0) << proxy_->output();
  proxy_.reset();
  ASSERT_FALSE(std::filesystem::exists(state_ + "/proxy.sock"));
  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state_, "--autoheal", "off"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(state_ + "/proxy.sock"); }, 10s)) << watch.output();
  auto first = deploy("shipshape/testapp:v1");
  ASSERT_EQ(first.exit_code, 0) << first.err << watch.output();
  EXPECT_EQ(served(), "v1\n");
  // A standalone proxy on the same state directory refuses to start beside it.
  auto second = runProcess({SHIPSHAPE_BINARY, "proxy", "--state-dir", state_}, {}, 10s);
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("another shipshape proxy"), std::string::npos) << second.err;
  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0);
}

}  // namespace
}  // namespace shipshape::testing
