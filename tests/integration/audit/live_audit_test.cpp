// `audit --live` against the real engine: containers seeded with defects (created, not started, where the VM
// cannot run them), a clean one that must stay quiet, and a dangling anonymous volume that still holds data.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "support/docker_test_env.h"
#include "support/scoped.h"
#include "support/tar_util.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class LiveAudit : public DockerTest {
 protected:
  std::multiset<std::string> rulesFor(const audit::AuditResult& r, const std::string& kind, const std::string& name) {
    std::multiset<std::string> ids;
    for (const auto& f : r.findings) {
      if (f.location.object_kind == kind && f.location.object_name == name) ids.insert(f.rule_id);
    }
    return ids;
  }
};

TEST_F(LiveAudit, SeededDefectsAreFoundAndTheCleanContainerIsQuiet) {
  auto bad = testappSpec();
  bad.privileged = true;
  bad.user = "0";
  bad.env = {"API_TOKEN=tok_live_0123456789abcdef"};
  bad.binds = {"/var/run/docker.sock:/var/run/docker.sock", "/etc:/host-etc:ro"};
  bad.security_opt = {"seccomp=unconfined"};
  bad.cap_add = {"SYS_ADMIN"};
  bad.network_mode = "host";
  runTestapp("bad", bad, /*start=*/false);  // privileged containers cannot start on these VMs

  auto removed = testappSpec();
  removed.auto_remove = true;
  runTestapp("autorm", removed, false);

  auto clean = testappSpec();
  SS_ASSERT_OK(client().createVolume(name("data"), testLabels()));
  clean.memory = 64LL << 20;
  clean.nano_cpus = 500000000;
  clean.pids_limit = 64;
  clean.readonly_rootfs = true;
  clean.security_opt = {"no-new-privileges:true"};
  clean.cap_drop = {"ALL"};
  clean.restart_policy = {"unless-stopped", 0};
  clean.log_config = {"json-file", {{"max-size", "10m"}, {"max-file", "3"}}};
  clean.mounts = {{"volume", name("data"), "/data", false}};
  std::string clean_id = runTestapp("clean", clean, true);
  ASSERT_TRUE(waitForHealth(clean_id, "healthy", 20s));

  auto result = audit::runAudit({.live = true}, &client());
  for (const auto& e : result.errors) ADD_FAILURE() << e.location.display() << ": " << e.message;
  EXPECT_GE(result.containers_audited, 3);

  auto b = rulesFor(result, "container", name("bad"));
  for (const char* id : {"SS101", "SS102", "SS103", "SS104", "SS204", "SS301", "SS401", "SS402", "SS403", "SS404",
                         "SS405", "SS406", "SS407", "SS408", "SS409", "SS410"}) {
    EXPECT_TRUE(b.count(id)) << "bad container: missing " << id;
  }
  auto r = rulesFor(result, "container", name("autorm"));
  EXPECT_TRUE(r.count("SS303")) << "--rm with the image's anonymous /data";
  EXPECT_FALSE(r.count("SS204")) << "a --rm container is not a long-running service";
  auto c = rulesFor(result, "container", name("clean"));
  EXPECT_TRUE(c.empty()) << "clean container got " << *c.begin() << " (and " << c.size() - 1 << " more)";
  for (const auto& f : result.findings) {
    EXPECT_EQ(f.message.find("tok_live_0123456789abcdef"), std::string::npos) << f.message;
  }
}

TEST_F(LiveAudit, DanglingAnonymousVolumeWithDataIsReported) {
  std::string id = runTestapp("orphan", testappSpec(), false);
  SS_ASSERT_OK(client().putArchive(id, "/data", makeTar({{"orders.db", std::string(4096, 'x')}})));
  auto inspected = client().inspectContainer(id);
  SS_ASSERT_OK(inspected);
  ASSERT_EQ(inspected->mounts.size(), 1u);
  std::string volume = inspected->mounts[0].name;
  SS_ASSERT_OK(client().removeContainer(id, {.force = true, .volumes = false}));  // leaves the volume behind

  auto result = audit::runAudit({.live = true}, &client());
  auto v = rulesFor(result, "volume", volume);
  EXPECT_TRUE(v.count("SS304")) << "dangling anonymous volume " << volume << " holds 4 KiB";
  SS_EXPECT_OK(client().removeVolume(volume));
}

TEST_F(LiveAudit, ComposeServicesAreJudgedWithTheirLocalImage) {
  ::shipshape::testing::ScopedTempDir dir_holder("test");  // removed even when an assertion fails
  const std::string& dir = dir_holder.path();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/compose.yaml") << "services:\n"
                                          "  store:\n"
                                          "    image: " << kTestappImage << "\n"
                                          "    restart: always\n";
  auto without = audit::runAudit({.paths = {dir}}, nullptr);
  auto with = audit::runAudit({.paths = {dir}, .live = true}, &client());
  auto fileRules = [](const audit::AuditResult& r) {
    std::multiset<std::string> ids;
    for (const auto& f : r.findings) {
      if (!f.location.file.empty()) ids.insert(f.rule_id);
    }
    return ids;
  };
  auto before = fileRules(without), after = fileRules(with);
  EXPECT_TRUE(before.count("SS401")) << "without the image, the service's user is unknown";
  EXPECT_TRUE(before.count("SS502"));
  EXPECT_FALSE(before.count("SS302")) << "testapp is not a known database image";
  EXPECT_FALSE(after.count("SS401")) << "the image runs as 65534";
  EXPECT_FALSE(after.count("SS502")) << "the image has a HEALTHCHECK";
  EXPECT_TRUE(after.count("SS302")) << "the image declares VOLUME /data and the service mounts nothing there";
}

}  // namespace
}  // namespace shipshape::testing
