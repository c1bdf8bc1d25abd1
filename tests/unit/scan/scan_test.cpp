// Unit tests of the scanner's pure parts: version orders, CVSS, package databases, OSV matching, secret shapes.
#include <gtest/gtest.h>

#include "scan/osv.h"
#include "scan/packages.h"
#include "scan/secret_patterns.h"
#include "scan/version_order.h"

namespace shipshape::scan {
namespace {

TEST(VersionOrder, DpkgFollowsDebianPolicy) {
  EXPECT_LT(compareDpkgVersions("3.0.11-1~deb12u1", "3.0.11-1~deb12u2"), 0);
  EXPECT_LT(compareDpkgVersions("3.0.11-1~deb12u2", "3.0.11-1"), 0);  // '~' sorts before the end
  EXPECT_LT(compareDpkgVersions("1.0~rc1", "1.0"), 0);
  EXPECT_GT(compareDpkgVersions("1:0.9", "2.0"), 0);  // the epoch wins
  EXPECT_LT(compareDpkgVersions("1.2.9", "1.2.10"), 0);
  EXPECT_EQ(compareDpkgVersions("1.02", "1.2"), 0);
  EXPECT_LT(compareDpkgVersions("1.0a", "1.0+"), 0);  // letters before other symbols
  EXPECT_EQ(compareDpkgVersions("1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1"), 0);
  EXPECT_LT(compareDpkgVersions("2.36-9+deb12u3", "2.36-9+deb12u4"), 0);
}

TEST(VersionOrder, ApkFollowsApkTools) {
  EXPECT_LT(compareApkVersions("1.2.5-r0", "1.2.5-r1"), 0);
  EXPECT_LT(compareApkVersions("1.2.3", "1.2.10"), 0);
  EXPECT_LT(compareApkVersions("1.2.3_rc1", "1.2.3"), 0);
  EXPECT_LT(compareApkVersions("1.2.3_alpha", "1.2.3_beta"), 0);
  EXPECT_GT(compareApkVersions("1.2.3_p1", "1.2.3"), 0);
  EXPECT_GT(compareApkVersions("1.2.3a", "1.2.3"), 0);
  EXPECT_LT(compareApkVersions("1.2", "1.2.1"), 0);
  EXPECT_EQ(compareApkVersions("3.3.2-r0", "3.3.2-r0"), 0);
  EXPECT_LT(compareApkVersions("3.3.2-r0", "3.3.10-r0"), 0);
}

TEST(Cvss, BaseScoresMatchTheSpecificationsCalculator) {
  EXPECT_DOUBLE_EQ(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_DOUBLE_EQ(*cvss3BaseScore("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 5.5);
  EXPECT_DOUBLE_EQ(*cvss3BaseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"), 3.1);
  EXPECT_DOUBLE_EQ(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_FALSE(cvss3BaseScore("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  EXPECT_FALSE(cvss3BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"));  // CVSS v2
  EXPECT_EQ(severityOfScore(9.8), rules::Severity::kCritical);
  EXPECT_EQ(severityOfScore(7.0), rules::Severity::kHigh);
  EXPECT_EQ(severityOfScore(3.9), rules::Severity::kLow);
}

TEST(Packages, DpkgStatusKeepsInstalledPackagesAndTheirSource) {
  auto pkgs = parseDpkgStatus(
      "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.11-1~deb12u1)\n"
      "Version: 3.0.11-1~deb12u1+b1\nDescription: x\n more\n\n"
      "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n"
      "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n",
      "/var/lib/dpkg/status");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name, "libssl3");
  EXPECT_EQ(pkgs[0].source, "openssl");
  EXPECT_EQ(pkgs[0].source_version, "3.0.11-1~deb12u1");
  EXPECT_EQ(pkgs[1].source_version, "1:1.2.13.dfsg-1");
  OsRelease os = parseOsRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
  EXPECT_EQ(osvEcosystem(os), "Debian:12");
  EXPECT_EQ(packageUrl(pkgs[1], os),
            "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib");
  EXPECT_EQ(osvEcosystem(parseOsRelease("ID=alpine\nVERSION_ID=3.20.3\n")), "Alpine:v3.20");
}

TEST(Packages, ApkInstalledUsesTheOrigin) {
  auto pkgs = parseApkInstalled(
      "C:Q1abc=\nP:libcrypto3\nV:3.3.2-r0\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n",
      "/lib/apk/db/installed");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].source, "openssl");
  EXPECT_EQ(packageUrl(pkgs[1], parseOsRelease("ID=alpine\nVERSION_ID=3.20.3\n")),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
}

TEST(Osv, RangesAreEvaluatedInTheEcosystemsOrder) {
  OsvAffected a{
      "Debian:12", "openssl", {{{OsvEvent::kIntroduced, "0"}, {OsvEvent::kFixed, "3.0.11-1~deb12u2"}}}, {}, ""};
  std::string fixed;
  EXPECT_TRUE(isAffected(a, "3.0.11-1~deb12u1", &fixed));
  EXPECT_EQ(fixed, "3.0.11-1~deb12u2");
  EXPECT_FALSE(isAffected(a, "3.0.11-1~deb12u2", &fixed));
  EXPECT_FALSE(isAffected(a, "3.0.13-1~deb12u1", &fixed));
  OsvAffected b{
      "Alpine:v3.20", "musl", {{{OsvEvent::kIntroduced, "1.2.0-r0"}, {OsvEvent::kLastAffected, "1.2.5-r0"}}}, {}, ""};
  EXPECT_FALSE(isAffected(b, "1.1.24-r0", nullptr));
  EXPECT_TRUE(isAffected(b, "1.2.5-r0", nullptr));
  EXPECT_FALSE(isAffected(b, "1.2.5-r1", nullptr));
  OsvAffected c{"Debian:12", "x", {}, {"1.0-1"}, ""};
  EXPECT_TRUE(isAffected(c, "1.0-1", nullptr));
}

TEST(Osv, TheFixtureDatabaseMatchesOnlyWhatIsVulnerable) {
  auto db = VulnerabilityDb::load(SHIPSHAPE_FIXTURES_DIR "/osv", {"Debian:12"});
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(db->records(), 2u);         // the Alpine record is skipped unparsed
  ASSERT_EQ(db->skipped().size(), 1u);  // nested/broken.json, named
  EXPECT_NE(db->skipped()[0].find("broken.json"), std::string::npos);
  auto pkgs = parseDpkgStatus(
      "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\n"
      "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n",
      "/var/lib/dpkg/status");
  auto vulns = db->match(pkgs, "Debian:12");
  ASSERT_EQ(vulns.size(), 1u);
  EXPECT_EQ(vulns[0].id, "DSA-5532-1");
  EXPECT_EQ(vulns[0].package, "libssl3");
  EXPECT_EQ(vulns[0].fixed, "3.0.11-1~deb12u2");
  EXPECT_EQ(vulns[0].severity, rules::Severity::kCritical);
  EXPECT_DOUBLE_EQ(vulns[0].score, 9.8);
  EXPECT_FALSE(VulnerabilityDb::load("/nonexistent/osv", {"Debian:12"}));
}

TEST(Secrets, TokenShapesAreFoundAcrossChunksAndNeverKept) {
  SecretMatcher m;
  std::string text =
      "line one\nkey = AKIAIOSFODNN7EXAMPLE\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n"
      "token: ghp_" +
      std::string(36, 'a') + "\nnot: AKIAshort\n";
  for (char c : text) m.feed(std::string_view(&c, 1));  // one byte at a time
  m.finish();
  ASSERT_EQ(m.hits().size(), 3u);
  EXPECT_EQ(m.hits()[0].kind, "AWS access key ID");
  EXPECT_EQ(m.hits()[0].line, 2);
  EXPECT_EQ(m.hits()[1].kind, "RSA private key");
  EXPECT_EQ(m.hits()[1].line, 3);
  EXPECT_EQ(m.hits()[2].kind, "GitHub personal access token");
  for (const auto& h : m.hits()) EXPECT_EQ(h.kind.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
}

TEST(Secrets, CredentialFilesAreJudgedByTheirContent) {
  EXPECT_TRUE(isCredentialFile("root/.npmrc"));
  EXPECT_TRUE(isCredentialFile("root/.docker/config.json"));
  EXPECT_FALSE(isCredentialFile("app/config.json"));
  EXPECT_FALSE(isCredentialFile("app/.env.example"));
  EXPECT_EQ(credentialFileHits("root/.npmrc", "//registry.npmjs.org/:_authToken=abcdef123456\n").size(), 1u);
  EXPECT_TRUE(credentialFileHits("root/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n").empty());
  EXPECT_EQ(credentialFileHits("root/.docker/config.json", R"({"auths":{"r.example":{"auth":"dTpw"}}})").size(), 1u);
  EXPECT_TRUE(
      credentialFileHits("root/.docker/config.json", R"({"auths":{"r.example":{}},"credsStore":"pass"})").empty());
  auto env = credentialFileHits("app/.env", "# comment\nDEBUG=1\nDB_PASSWORD=s3cr3t-Value-99\n");
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0].line, 3);
  EXPECT_EQ(env[0].kind, "secret in .env (DB_PASSWORD)");
}

}  // namespace
}  // namespace shipshape::scan
