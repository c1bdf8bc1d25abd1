// `shipshape scan` against the engine: an image built here (no registry) whose layers add and then delete a
// private key, carry a dpkg database with a package the fixture OSV database knows as vulnerable, a setuid
// file and a world-writable directory, loaded with POST /images/load and read back through
// GET /images/{name}/get.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "scan/scanner.h"
#include "support/docker_test_env.h"
#include "support/process.h"
#include "support/tar_util.h"

namespace shipshape::testing {
namespace {

using nlohmann::json;

std::string sha256Of(const std::string& data) {
  Sha256 h;
  h.update(data);
  return h.hexDigest();
}

// A key-shaped file: the header is what the scanner recognises; the body is filler, not a key.
const std::string kKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA" + std::string(64, 'Q') +
                         "\n-----END OPENSSH PRIVATE KEY-----\n";

// A `docker save` archive (legacy layout) with three layers and `tag`.
std::string buildImage(const std::string& tag) {
  std::vector<std::string> layers = {
      makeTarEntries(
          {{"etc", "", 0755, true},
           {"etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"},
           {"var/lib/dpkg", "", 0755, true},
           {"var/lib/dpkg/status",
            "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
            "Version: 3.0.11-1~deb12u1\n\n"
            "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
            "Version: 1:1.2.13.dfsg-1\n"},
           {"usr/bin/su", "not really su", 04755},
           {"srv/drop", "", 0777, true},
           {"tmp", "", 01777, true}}),
      makeTarEntries({{"root/.ssh", "", 0700, true}, {"root/.ssh/id_rsa", kKey, 0600}}),
      makeTarEntries({{"root/.ssh", "", 0700, true}, {"root/.ssh/.wh.id_rsa", ""}}),
  };
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", {{"Env", {"PATH=/usr/bin"}}, {"Cmd", {"/usr/bin/su"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                 {"history", json::array()}};
  std::vector<std::string> history = {"ADD rootfs.tar / # buildkit", "COPY id_rsa /root/.ssh/id_rsa # buildkit",
                                      "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit"};
  std::map<std::string, std::string> files;
  json layer_paths = json::array();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::string digest = sha256Of(layers[i]);
    config["rootfs"]["diff_ids"].push_back("sha256:" + digest);
    config["history"].push_back({{"created_by", history[i]}});
    files[digest + "/layer.tar"] = layers[i];
    layer_paths.push_back(digest + "/layer.tar");
  }
  std::string config_text = config.dump();
  std::string config_name = sha256Of(config_text) + ".json";
  files[config_name] = config_text;
  files["manifest.json"] =
      json::array({{{"Config", config_name}, {"RepoTags", {tag}}, {"Layers", layer_paths}}}).dump();
  return makeTar(files);
}

class Scan : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    tag_ = "shipshape-test/" + prefix() + ":1";
    ASSERT_TRUE(isOk(client().loadImage(buildImage(tag_))));
  }
  void TearDown() override {
    (void)client().removeImage(tag_, true);
    DockerTest::TearDown();
  }
  ProcessResult shipshape(std::vector<std::string> args) {
    args.insert(args.begin(), SHIPSHAPE_BINARY);
    return runProcess(args, {}, std::chrono::seconds(60));
  }
  std::string tag_;
};

TEST_F(Scan, FindsADeletedKeyInItsLayerAndAVulnerablePackageWithItsPurl) {
  scan::ScanOptions options;
  options.vuln_db = SHIPSHAPE_FIXTURES_DIR "/osv";
  auto result = scan::scanImage(client(), tag_, options);
  ASSERT_TRUE(isOk(result));
  ASSERT_EQ(result->layers.size(), 3u);
  EXPECT_EQ(result->ecosystem, "Debian:12");

  const scan::ImageFinding* key = nullptr;
  bool setuid = false, open_dir = false, tmp = false, root = false;
  for (const auto& f : result->findings) {
    if (f.rule_id == "SS412") key = &f;
    if (f.rule_id == "SS413" && f.path == "/usr/bin/su") setuid = true;
    if (f.rule_id == "SS414" && f.path == "/srv/drop") open_dir = true;
    if (f.rule_id == "SS414" && f.path == "/tmp") tmp = true;
    if (f.rule_id == "SS401") root = true;
  }
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->path, "/root/.ssh/id_rsa");
  EXPECT_EQ(key->layer, 1);
  EXPECT_EQ(key->removed_in_layer, 2);
  EXPECT_TRUE(key->removed_by_delete);
  EXPECT_NE(key->message.find("still in the image"), std::string::npos) << key->message;
  EXPECT_EQ(key->message.find("b3BlbnNzaC1rZXktdjEAAAAA"), std::string::npos);  // the value is never shown
  EXPECT_TRUE(setuid);
  EXPECT_TRUE(open_dir);
  EXPECT_FALSE(tmp);  // sticky
  EXPECT_TRUE(root);

  ASSERT_EQ(result->packages.size(), 2u);
  ASSERT_EQ(result->vulnerabilities.size(), 1u);
  const auto& v = result->vulnerabilities[0];
  EXPECT_EQ(v.id, "DSA-5532-1");
  EXPECT_EQ(v.package, "libssl3");
  EXPECT_EQ(v.severity, rules::Severity::kCritical);
  EXPECT_EQ(result->packages[v.package_index].layer, 0);
}

TEST_F(Scan, CliFormatsAndExitCodesFollowFailOn) {
  std::string db = SHIPSHAPE_FIXTURES_DIR "/osv";
  auto critical = shipshape({"scan", tag_, "--vuln-db", db, "--fail-on", "critical", "-f", "json"});
  EXPECT_EQ(critical.exit_code, 1) << critical.err;
  json j = json::parse(critical.out);
  ASSERT_EQ(j["images"].size(), 1u);
  bool found_key = false;
  for (const auto& f : j["images"][0]["findings"])
    if (f["rule_id"] == "SS412") {
      found_key = true;
      EXPECT_EQ(f["in_final_filesystem"], false);
      EXPECT_EQ(f["layer"], 2);
      EXPECT_EQ(f["created_by"], "COPY id_rsa /root/.ssh/id_rsa # buildkit");
      EXPECT_EQ(f["layer_digest"].get<std::string>().substr(0, 7), "sha256:");
    }
  EXPECT_TRUE(found_key);
  EXPECT_EQ(critical.out.find("b3BlbnNzaC1rZXktdjEAAAAA"), std::string::npos);

  auto none = shipshape({"scan", tag_, "--vuln-db", db, "--fail-on", "none"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("DSA-5532-1"), std::string::npos) << none.out;
  EXPECT_NE(none.out.find("still in the image"), std::string::npos);

  auto bom = shipshape({"scan", tag_, "--vuln-db", db, "--fail-on", "none", "-f", "cyclonedx"});
  ASSERT_EQ(bom.exit_code, 0) << bom.err;
  json cdx = json::parse(bom.out);
  EXPECT_EQ(cdx["bomFormat"], "CycloneDX");
  EXPECT_EQ(cdx["specVersion"], "1.5");
  bool purl = false;
  for (const auto& c : cdx["components"])
    if (c.value("purl", "") == "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl")
      purl = true;
  EXPECT_TRUE(purl) << cdx["components"].dump();
  ASSERT_EQ(cdx["vulnerabilities"].size(), 1u);
  EXPECT_EQ(cdx["vulnerabilities"][0]["ratings"][0]["severity"], "critical");

  auto sarif = shipshape({"scan", tag_, "--vuln-db", db, "--fail-on", "none", "-f", "sarif"});
  ASSERT_EQ(sarif.exit_code, 0) << sarif.err;
  json s = json::parse(sarif.out);
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_GE(s["runs"][0]["results"].size(), 5u);

  auto missing = shipshape({"scan", "shipshape-test/no-such-image:0"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-image"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace shipshape::testing
