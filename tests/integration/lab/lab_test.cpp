// `shipshape lab` against the real engine, as a user runs it: the scenarios' verdicts and timings read from
// its JSON, the STAR report file, nothing of the run left behind, Ctrl-C cleaning up too.
#include <csignal>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Lab : public DockerTest {
 protected:
  // Containers and volumes carrying the run's label, or named after it.
  std::size_t leftovers(const std::string& run) {
    std::size_t n = 0;
    if (auto c = client().listContainers({.all = true, .filters = {{"label", {"shipshape.lab=" + run}}}}))
      n += c->size();
    if (auto c = client().listContainers({.all = true, .filters = {{"name", {"shipshape-lab-" + run}}}}))
      n += c->size();
    if (auto v = client().listVolumes({{"name", {"shipshape-lab-" + run}}})) n += v->size();
    return n;
  }
};

TEST_F(Lab, AllSixScenariosAreDetectedRepairedAndMeasuredAndNothingIsLeft) {
  ScopedTempDir dir("lab");
  std::string report = dir.path() + "/report.md";
  auto run =
      runProcess({SHIPSHAPE_BINARY, "lab", "all", "--json", "--report", report, "--image", kTestappImage}, {}, 420s);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  json r = json::parse(run.out);
  EXPECT_TRUE(r["ok"].get<bool>());
  ASSERT_EQ(r["scenarios"].size(), 6u);
  std::map<std::string, json> by_name;
  for (const auto& s : r["scenarios"]) {
    by_name[s["scenario"]] = s;
    EXPECT_EQ(s["status"], "repaired") << s.dump(2);
    EXPECT_TRUE(s["detected"].get<bool>());
    EXPECT_GE(s["time_to_detect_ms"].get<std::int64_t>(), 0) << s.dump(2);
    EXPECT_GE(s["time_to_recover_ms"].get<std::int64_t>(), 0) << s.dump(2);
    EXPECT_FALSE(s["actions"].empty());
  }
  const json& loss = by_name["data-loss"];
  EXPECT_EQ(loss["measurements"]["rows lost without shipshape"], "20 of 20") << loss.dump(2);
  EXPECT_EQ(loss["measurements"]["rows after restore"], "20 of 20") << loss.dump(2);
  const json& deploy = by_name["bad-deploy"];
  EXPECT_EQ(deploy["measurements"]["requests failed"], "0") << deploy.dump(2);
  EXPECT_EQ(deploy["measurements"]["requests served by v3 (unhealthy)"], "0") << deploy.dump(2);
  EXPECT_EQ(deploy["measurements"]["serving at the end"], "v2") << deploy.dump(2);
  // The crash is seen from the broken event stream, well inside the guardian's 2 s promise.
  EXPECT_LT(by_name["daemon-crash"]["time_to_detect_ms"].get<std::int64_t>(), 2000) << by_name["daemon-crash"].dump(2);
  EXPECT_NE(by_name["root"]["measurements"]["image scan rules"].get<std::string>().find("SS412"), std::string::npos);
  const json& registry = by_name["registry-auth"];
  EXPECT_EQ(registry["measurements"]["docker push says"], "unauthorized") << registry.dump(2);
  EXPECT_EQ(registry["measurements"]["secret in config.json"], "none") << registry.dump(2);
  std::string md = readText(report);
  EXPECT_NE(md.find("**Situation.**"), std::string::npos) << md;
  EXPECT_NE(md.find("**Result.**"), std::string::npos) << md;
  EXPECT_EQ(leftovers(r["run"]), 0u);
  // The scenarios' own images and keep tags go too.
  if (auto images = client().listImages()) {
    for (const auto& image : *images) {
      for (const auto& tag : image.repo_tags)
        EXPECT_EQ(tag.find("shipshape-lab-" + r["run"].get<std::string>()), std::string::npos) << tag;
    }
  }
}

TEST_F(Lab, CtrlCStopsTheRunAndRemovesWhatItMade) {
  BackgroundProcess lab({SHIPSHAPE_BINARY, "lab", "data-loss", "--image", kTestappImage});
  ASSERT_TRUE(eventually([&] { return lab.output().find("wrote 20 rows") != std::string::npos; }, 60s)) << lab.output();
  EXPECT_EQ(lab.stop(SIGINT, 60s), 2) << lab.output();
  auto at = lab.output().find("shipshape-lab-");
  ASSERT_NE(at, std::string::npos) << lab.output();
  std::string run = lab.output().substr(at + 14, 6);
  EXPECT_EQ(leftovers(run), 0u) << lab.output();
}

}  // namespace
}  // namespace shipshape::testing
