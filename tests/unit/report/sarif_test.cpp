#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "report/audit_report.h"
#include "report/rules_doc.h"
#include "rules/catalog.h"

namespace shipshape::report {
namespace {

using nlohmann::json;

audit::AuditResult sample() {
  audit::AuditResult r;
  rules::Finding file;
  file.rule_id = "SS401";
  file.severity = rules::Severity::kHigh;
  file.message = "runs as root";
  file.location = rules::Location::inFile("/work/app/Dockerfile", 3, 1);
  rules::Finding live;
  live.rule_id = "SS403";
  live.severity = rules::Severity::kCritical;
  live.message = "runs privileged";
  live.location = rules::Location::object("container", "web-1");
  r.findings = {file, live};
  r.errors.push_back({rules::Location::inFile("/work/app/compose.yml", 4, 5), "end of sequence flow not found"});
  r.files_audited = 1;
  r.containers_audited = 1;
  return r;
}

TEST(Sarif, ValidShapeForCodeScanning) {
  json s = json::parse(auditSarif(sample(), "/work/app"));
  EXPECT_EQ(s["version"], "2.1.0");
  ASSERT_EQ(s["runs"].size(), 1u);
  const json& run = s["runs"][0];
  const json& rules_json = run["tool"]["driver"]["rules"];
  EXPECT_EQ(rules_json.size(), rules::catalog().size());
  for (const auto& r : rules_json) {
    EXPECT_TRUE(r.contains("id") && r.contains("shortDescription") && r.contains("help"));
    EXPECT_TRUE(r["properties"].contains("security-severity"));
  }
  const json& file_result = run["results"][0];
  EXPECT_EQ(file_result["ruleId"], "SS401");
  EXPECT_EQ(file_result["level"], "error");
  EXPECT_EQ(rules_json[file_result["ruleIndex"].get<int>()]["id"], "SS401");
  const json& loc = file_result["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "Dockerfile") << "relative to the working directory";
  EXPECT_EQ(loc["region"]["startLine"], 3);
  EXPECT_EQ(loc["region"]["startColumn"], 1);
  const json& live = run["results"][1]["locations"][0];
  EXPECT_FALSE(live.contains("physicalLocation"));
  EXPECT_EQ(live["logicalLocations"][0]["fullyQualifiedName"], "container/web-1");
  const json& invocation = run["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  const json& note = invocation["toolExecutionNotifications"][0];
  EXPECT_EQ(note["level"], "error");
  EXPECT_EQ(note["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
}

TEST(AuditJson, SummaryFindingsAndErrors) {
  json j = json::parse(auditJson(sample()));
  EXPECT_EQ(j["summary"]["findings"], 2);
  EXPECT_EQ(j["summary"]["errors"], 1);
  EXPECT_EQ(j["summary"]["by_severity"]["critical"], 1);
  EXPECT_EQ(j["findings"][0]["location"]["file"], "/work/app/Dockerfile");
  EXPECT_EQ(j["findings"][0]["scenario"], 4);
  EXPECT_FALSE(j["findings"][0]["fix"].get<std::string>().empty());
  EXPECT_EQ(j["findings"][1]["location"]["object_name"], "web-1");
}

TEST(AuditTable, GroupedByScenarioWithoutColourOffATty) {
  std::string t = auditTable(sample(), false);
  EXPECT_NE(t.find("4xx Root and over-privileged containers"), std::string::npos);
  EXPECT_NE(t.find("/work/app/Dockerfile:3:1"), std::string::npos);
  EXPECT_NE(t.find("container web-1"), std::string::npos);
  EXPECT_EQ(t.find("\033["), std::string::npos);
  EXPECT_NE(auditTable(sample(), true).find("\033["), std::string::npos);
}

TEST(RulesDoc, DocsRulesMdIsGeneratedFromTheCatalog) {
  std::ifstream in(std::string(SHIPSHAPE_SOURCE_DIR) + "/docs/rules.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), rulesMarkdown()) << "regenerate: build/src/shipshape rules --format md > docs/rules.md";
}

}  // namespace
}  // namespace shipshape::report
