// `shipshape audit` as CI runs it: exit codes, formats, and bad input.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/process.h"

namespace shipshape::testing {
namespace {

const std::string kCorpus = std::string(SHIPSHAPE_FIXTURES_DIR) + "/audit";

TEST(AuditCli, ExitCodesFollowTheThreshold) {
  auto clean = runProcess({SHIPSHAPE_BINARY, "audit", kCorpus + "/dockerfiles/clean.Dockerfile"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("0 finding(s)"), std::string::npos) << clean.out;

  auto root = runProcess({SHIPSHAPE_BINARY, "audit", kCorpus + "/dockerfiles/root-no-user.Dockerfile"});
  EXPECT_EQ(root.exit_code, 1) << "a high finding fails at the default threshold (high)";
  auto relaxed = runProcess(
      {SHIPSHAPE_BINARY, "audit", "--fail-on", "critical", kCorpus + "/dockerfiles/root-no-user.Dockerfile"});
  EXPECT_EQ(relaxed.exit_code, 0);
  auto never = runProcess({SHIPSHAPE_BINARY, "audit", "--fail-on", "none", kCorpus + "/dockerfiles"});
  EXPECT_EQ(never.exit_code, 0);
  auto bogus = runProcess({SHIPSHAPE_BINARY, "audit", "--fail-on", "severe", kCorpus});
  EXPECT_EQ(bogus.exit_code, 2);
}

TEST(AuditCli, UnreadableInputIsExitTwoAndTheRestIsStillReported) {
  auto run = runProcess({SHIPSHAPE_BINARY, "audit", "--format", "json", kCorpus});
  EXPECT_EQ(run.exit_code, 2) << "the corpus holds malformed files";
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["summary"]["errors"], 3);
  EXPECT_GT(j["summary"]["findings"].get<int>(), 20);
}

TEST(AuditCli, SarifOnStdout) {
  auto run = runProcess({SHIPSHAPE_BINARY, "audit", "--format", "sarif", "--fail-on", "none",
                         kCorpus + "/dockerfiles"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto s = nlohmann::json::parse(run.out);
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_FALSE(s["runs"][0]["results"].empty());
}

}  // namespace
}  // namespace shipshape::testing
