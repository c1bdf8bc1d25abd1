// Real-world Compose and Dockerfile semantics the audit must get right (issue: hardening, real-world inputs):
// unset variables are reported, not turned into findings; `use_api_socket`; a service's `build:` speaks for
// its image; BuildKit's own rejections; alias bombs refused before they cost memory.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "support/scoped.h"

namespace shipshape::audit {
namespace {

using testing::ScopedTempDir;

struct Audited {
  AuditResult result;
  bool has(const std::string& rule, const std::string& file_suffix) const {
    return std::any_of(result.findings.begin(), result.findings.end(), [&](const rules::Finding& f) {
      return f.rule_id == rule && f.location.file.ends_with(file_suffix);
    });
  }
  bool warned(const std::string& text) const {
    return std::any_of(result.warnings.begin(), result.warnings.end(),
                       [&](const rules::InputError& w) { return w.message.find(text) != std::string::npos; });
  }
};

Audited auditDir(const ScopedTempDir& dir) { return {runAudit({.paths = {dir.path()}}, nullptr)}; }

TEST(AuditSemantics, UnsetVariablesAreReportedNotTurnedIntoFindings) {
  ScopedTempDir dir("unset");
  std::ofstream(dir / "compose.yaml") << "services:\n"
                                         "  db:\n"
                                         "    image: postgres:16.2\n"
                                         "    volumes:\n"
                                         "      - ${PGDATA_DIR}:/var/lib/postgresql/data\n"
                                         "      - ${HOME}/backups:/backups\n";
  auto a = auditDir(dir);
  EXPECT_TRUE(a.result.errors.empty());
  EXPECT_FALSE(a.has("SS301", "compose.yaml")) << "an unset variable is not an anonymous volume";
  EXPECT_FALSE(a.has("SS302", "compose.yaml")) << "the data path is mounted from somewhere we cannot see";
  EXPECT_TRUE(a.warned("variable PGDATA_DIR is not set"));
  EXPECT_TRUE(a.warned("variable HOME is not set")) << "the auditor's own HOME is not the deploy host's";
  ASSERT_FALSE(a.result.warnings.empty());
  EXPECT_EQ(a.result.warnings[0].location.line, 5);
}

TEST(AuditSemantics, UseApiSocketIsTheDockerSocket) {
  ScopedTempDir dir("api-socket");
  std::ofstream(dir / "compose.yaml") << "services:\n  ci:\n    image: runner:1.2\n    use_api_socket: true\n";
  EXPECT_TRUE(auditDir(dir).has("SS407", "compose.yaml"));
}

TEST(AuditSemantics, ABuildServiceIsJudgedByItsDockerfile) {
  ScopedTempDir dir("build");
  std::ofstream(dir / "Dockerfile") << "FROM scratch AS base\nCOPY app /app\n"
                                       "FROM base\nUSER 10001\nHEALTHCHECK CMD [\"/app\", \"probe\"]\n";
  std::ofstream(dir / "compose.yaml") << "services:\n"
                                         "  web:\n"
                                         "    build: .\n"
                                         "    image: myorg/web:latest\n"
                                         "  worker:\n"
                                         "    image: myorg/worker:1.0\n"
                                         "    depends_on: [web]\n";
  auto a = auditDir(dir);
  auto about_web = [&](const std::string& rule) {
    return std::any_of(a.result.findings.begin(), a.result.findings.end(), [&](const rules::Finding& f) {
      return f.rule_id == rule && f.location.file.ends_with("compose.yaml") &&
             f.message.find("service web") != std::string::npos;
    });
  };
  EXPECT_FALSE(about_web("SS401")) << "the final stage sets USER 10001";
  EXPECT_FALSE(about_web("SS502")) << "the final stage has a HEALTHCHECK";
  EXPECT_FALSE(about_web("SS501")) << "image: beside build: names the local build";
  EXPECT_FALSE(a.has("SS505", "compose.yaml")) << "web has a health check through its Dockerfile";
}

TEST(AuditSemantics, DockerfilesBuildKitRejectsAreInvalidNotUnreadable) {
  ScopedTempDir dir("buildkit");
  std::ofstream(dir / "env.Dockerfile") << "FROM scratch\nENV ONLYNAME\n";
  std::ofstream(dir / "hc-empty.Dockerfile") << "FROM scratch\nHEALTHCHECK CMD\n";
  std::ofstream(dir / "hc-type.Dockerfile") << "FROM scratch\nHEALTHCHECK --interval=5s PING /x\n";
  std::ofstream(dir / "env-ok.Dockerfile") << "FROM scratch\nENV A=1 B=\"two words\"\nENV LEGACY value here\n"
                                              "HEALTHCHECK NONE\n";
  auto a = auditDir(dir);
  ASSERT_EQ(a.result.errors.size(), 3u);
  for (const auto& e : a.result.errors) {
    EXPECT_TRUE(e.invalid) << e.message;
    EXPECT_EQ(e.location.line, 2) << e.location.file << ": " << e.message;
    EXPECT_FALSE(e.location.file.ends_with("env-ok.Dockerfile")) << e.message;
  }
}

TEST(AuditSemantics, AliasBombsAreRefusedQuickly) {
  ScopedTempDir dir("alias-bomb");
  std::ofstream out(dir / "compose.yaml");
  out << "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev) {
    out << "x-" << c << ": &" << c << " [";
    for (int i = 0; i < 9; ++i) out << (i ? "," : "") << "*" << prev;
    out << "]\n";
  }
  out << "services:\n  web:\n    image: nginx:1.25\n    labels: *j\n";
  out.close();
  auto started = std::chrono::steady_clock::now();
  auto a = auditDir(dir);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_EQ(a.result.errors.size(), 1u);
  EXPECT_NE(a.result.errors[0].message.find("alias"), std::string::npos) << a.result.errors[0].message;
}

}  // namespace
}  // namespace shipshape::audit

namespace shipshape::audit {
namespace {

TEST(AuditSemantics, ExtendsInheritsFromTheSameFileAndAnother) {
  ScopedTempDir dir("extends");
  std::ofstream(dir / "common.yml") << "services:\n"
                                       "  hardened:\n"
                                       "    user: \"10001\"\n"
                                       "    read_only: true\n"
                                       "    privileged: true\n";
  std::ofstream(dir / "compose.yaml") << "services:\n"
                                         "  base:\n"
                                         "    extends: {file: common.yml, service: hardened}\n"
                                         "    image: app:1.0\n"
                                         "  web:\n"
                                         "    extends: base\n"
                                         "    privileged: false\n"
                                         "  worker:\n"
                                         "    extends: base\n";
  auto a = auditDir(dir);
  EXPECT_TRUE(a.result.errors.empty()) << a.result.errors[0].message;
  auto about = [&](const std::string& rule, const std::string& service) {
    return std::any_of(a.result.findings.begin(), a.result.findings.end(), [&](const rules::Finding& f) {
      return f.rule_id == rule && f.message.find("service " + service + " ") != std::string::npos;
    });
  };
  EXPECT_FALSE(about("SS401", "web")) << "user comes from common.yml";
  EXPECT_FALSE(about("SS403", "web")) << "web overrides privileged";
  EXPECT_TRUE(about("SS403", "worker")) << "worker inherits privileged from common.yml";
  for (const auto& f : a.result.findings) {
    if (f.rule_id == "SS403" && f.message.find("service worker") != std::string::npos) {
      EXPECT_TRUE(f.location.file.ends_with("common.yml")) << "the finding points where privileged is written";
    }
  }
}

TEST(AuditSemantics, IncludeIsFollowedAndCyclesAreReported) {
  ScopedTempDir dir("include");
  std::filesystem::create_directories(dir / "db");
  std::ofstream(dir / "db/compose.yaml") << "services:\n  db:\n    image: postgres:16.2\n";
  std::ofstream(dir / "compose.yaml") << "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: app:1.0\n"
                                         "    depends_on: [db]\n";
  auto a = auditDir(dir);
  EXPECT_TRUE(a.result.errors.empty());
  EXPECT_TRUE(std::any_of(a.result.findings.begin(), a.result.findings.end(), [](const rules::Finding& f) {
    return f.rule_id == "SS505" && f.message.find("depends on db") != std::string::npos;
  })) << "the included db service is part of the project";

  ScopedTempDir loop("include-cycle");
  std::ofstream(loop / "compose.yaml") << "include: [other.yml]\nservices:\n  a:\n    image: a:1\n";
  std::ofstream(loop / "other.yml") << "include: [compose.yaml]\nservices:\n  b:\n    image: b:1\n";
  auto c = auditDir(loop);
  ASSERT_FALSE(c.result.errors.empty());
  EXPECT_NE(c.result.errors[0].message.find("include cycle"), std::string::npos) << c.result.errors[0].message;
}

TEST(AuditSemantics, RemoteReferencesAreReportedNotFetched) {
  ScopedTempDir dir("remote");
  std::ofstream(dir / "compose.yaml")
      << "include:\n  - oci://registry.example/stack:1\n"
         "services:\n  web:\n    extends: {file: \"git@github.com:org/base.git\", service: web}\n"
         "    image: app:1.0\n";
  auto a = auditDir(dir);
  EXPECT_TRUE(a.result.errors.empty()) << a.result.errors[0].message;
  EXPECT_TRUE(a.warned("include oci://registry.example/stack:1 is a remote reference"));
  EXPECT_TRUE(a.warned("extends file git@github.com:org/base.git is a remote reference"));
}

}  // namespace
}  // namespace shipshape::audit
