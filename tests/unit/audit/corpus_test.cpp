// The seeded-defect corpus in tests/fixtures/audit: every defect listed in expected.txt is found with its
// rule at its line, nothing else is reported (the clean files and the traps stay quiet), and each malformed
// file is one input error while the rest is still audited.
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "rules/catalog.h"

namespace shipshape::audit {
namespace {

const std::string kCorpus = std::string(SHIPSHAPE_FIXTURES_DIR) + "/audit";

std::string relative(const std::string& path) {
  return path.rfind(kCorpus + "/", 0) == 0 ? path.substr(kCorpus.size() + 1) : path;
}

TEST(AuditCorpus, FindsExactlyTheSeededDefects) {
  std::set<std::tuple<std::string, std::string, int>> expected, expected_errors;
  std::ifstream in(kCorpus + "/expected.txt");
  ASSERT_TRUE(in.good());
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string a, b;
    int n = 0;
    fields >> a >> b >> n;
    if (a == "ERROR") {
      expected_errors.insert({b, "", n});
    } else {
      expected.insert({a, b, n});
    }
  }
  AuditResult result = runAudit({.paths = {kCorpus}}, nullptr);
  std::set<std::tuple<std::string, std::string, int>> found, errors;
  for (const auto& f : result.findings) {
    found.insert({relative(f.location.file), f.rule_id, f.location.line});
    EXPECT_NE(rules::findRule(f.rule_id), nullptr) << f.rule_id;
    EXPECT_GE(f.location.column, 1);
  }
  for (const auto& e : result.errors) errors.insert({relative(e.location.file), "", e.location.line});
  for (const auto& e : expected) {
    EXPECT_TRUE(found.count(e)) << "missed " << std::get<0>(e) << " " << std::get<1>(e) << " line " << std::get<2>(e);
  }
  for (const auto& f : found) {
    EXPECT_TRUE(expected.count(f)) << "unexpected " << std::get<0>(f) << " " << std::get<1>(f) << " line "
                                   << std::get<2>(f);
  }
  EXPECT_EQ(errors, expected_errors);
  EXPECT_EQ(result.suppressed, 2) << "ignored.Dockerfile silences SS401 and SS502 inline";
  EXPECT_EQ(result.files_audited, 14);
}

TEST(AuditCorpus, SecretValuesNeverAppearInMessages) {
  AuditResult result = runAudit({.paths = {kCorpus}}, nullptr);
  for (const auto& f : result.findings) {
    for (const char* secret : {"correct-horse-battery", "tok_9f8e7d6c5b4a", "sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZab",
                               "Sup3rS3cret!", "plaintext-password-here"}) {
      EXPECT_EQ(f.message.find(secret), std::string::npos) << f.message;
    }
  }
}

TEST(AuditConfigFile, DisablesAndRegradesRules) {
  std::string path = ::testing::TempDir() + "/ss-audit-config.yml";
  std::ofstream(path) << "fail-on: critical\nrules:\n  SS411: off\n  SS401: {severity: critical}\n";
  auto config = loadAuditConfig(path);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->fail_on, rules::Severity::kCritical);
  AuditResult result = runAudit({.paths = {kCorpus + "/dockerfiles"}, .config = *config}, nullptr);
  bool saw_root = false;
  for (const auto& f : result.findings) {
    EXPECT_NE(f.rule_id, "SS411");
    if (f.rule_id == "SS401") {
      saw_root = true;
      EXPECT_EQ(f.severity, rules::Severity::kCritical);
    }
  }
  EXPECT_TRUE(saw_root);
}

TEST(AuditConfigFile, BadConfigPointsAtTheLine) {
  std::string path = ::testing::TempDir() + "/ss-audit-bad.yml";
  std::ofstream(path) << "rules:\n  SS999: off\n";
  auto config = loadAuditConfig(path);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(path + ":2:3: unknown rule SS999"), std::string::npos)
      << config.error().message;
}

TEST(AuditDiscovery, MissingPathIsAnErrorAndTheRestStillRuns) {
  AuditResult result = runAudit({.paths = {"/nonexistent/path", kCorpus + "/dockerfiles/clean.Dockerfile"}}, nullptr);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].location.file, "/nonexistent/path");
  EXPECT_EQ(result.files_audited, 1);
  EXPECT_TRUE(result.findings.empty());
}

}  // namespace
}  // namespace shipshape::audit
