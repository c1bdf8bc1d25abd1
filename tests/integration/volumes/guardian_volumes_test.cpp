// The guardian's half of scenario 3, against the real engine: volumes labelled with a schedule are backed up,
// pruned by their keep label and test-restored into a scratch volume (measured in /metrics); a backup that
// cannot be written is a `backup-failed` incident, resolved by the next success; and the seed's exact failure —
// a database container on an anonymous volume removed — is a `data-at-risk` incident with the volume kept
// until a container mounts it again, or says the data is gone when the volume went with the container.
//
// These tests run serially: any other guardian running at the same time would see the stateful container
// removed too and keep its volume.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/process.h"
#include "support/tar_util.h"
#include "volumes/backup.h"
#include "volumes/backup_catalog.h"

namespace shipshape::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

class GuardianVolumes : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    state_dir_ = ::testing::TempDir() + "/" + prefix() + "-state";
    fs::remove_all(state_dir_);
    fs::create_directories(state_dir_);
  }
  void TearDown() override {
    // The test's guardian has stopped by now (a local of the test body), so nothing makes new keepers.
    DockerTest::TearDown();
    // Keepers and the volumes they held carry no test label (the guardian made them).
    for (const auto& v : kept_volumes_) {
      if (auto keepers = client().listContainers({.all = true, .filters = {{"label", {"shipshape.volume=" + v}}}})) {
        for (const auto& k : *keepers) (void)client().removeContainer(k.id, {.force = true});
      }
    }
    for (const auto& v : kept_volumes_) (void)client().removeVolume(v, true);
    fs::remove_all(state_dir_);
  }

  json incidents() {
    auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", state_dir_});
    return run.exit_code == 0 ? json::parse(run.out) : json::array();
  }
  json incident(const std::string& kind, const std::string& subject) {
    for (const auto& i : incidents()) {
      if (i["kind"] == kind && i["subject"] == subject) return i;
    }
    return nullptr;
  }
  std::string writeConfig(const std::string& text) {
    std::string path = state_dir_ + "/watch.yaml";
    std::ofstream(path) << text;
    return path;
  }
  std::vector<std::string> keepersOf(const std::string& volume) {
    std::vector<std::string> out;
    auto keepers = client().listContainers(
        {.all = true, .filters = {{"label", {"shipshape.helper=keep", "shipshape.volume=" + volume}}}});
    if (keepers) {
      for (const auto& k : *keepers) out.push_back(k.id);
    }
    return out;
  }
  // The anonymous volume a container mounts at `path`.
  // Every volume `container` mounts goes at TearDown, with any keeper a guardian made for it: testapp's own
  // declared VOLUME /data is an anonymous volume of every such container too (a database's second volume).
  void trackVolumes(const std::string& container) {
    if (auto inspected = client().inspectContainer(container)) {
      for (const auto& m : inspected->mounts) {
        if (m.type == "volume") kept_volumes_.push_back(m.name);
      }
    }
  }

  std::string anonymousVolume(const std::string& container, const std::string& path) {
    auto inspected = client().inspectContainer(container);
    if (!inspected) return "";
    for (const auto& m : inspected->mounts) {
      if (m.destination == path) return m.name;
    }
    return "";
  }

  std::string state_dir_;
  std::vector<std::string> kept_volumes_;
};

// The metrics URL from the guardian's start-up line.
std::string metricsUrl(const std::string& output) {
  auto at = output.find("metrics on http://");
  if (at == std::string::npos) return "";
  at += 18;
  return "http://" + output.substr(at, output.find('/', at) - at) + "/metrics";
}

TEST_F(GuardianVolumes, ScheduledBackupsAreTakenPrunedTestRestoredAndMeasured) {
  std::string volume = name("sched");
  docker::Labels labels = testLabels();
  labels["shipshape.backup.schedule"] = "@every 2s";
  labels["shipshape.backup.keep"] = "last=2";
  SS_ASSERT_OK(client().createVolume(volume, labels));
  auto spec = testappSpec();
  spec.mounts.push_back({"volume", volume, "/fill", false});
  std::string filler = runTestapp("fill", spec, /*start=*/false);
  SS_ASSERT_OK(client().putArchive(filler, "/", makeTar({{"fill/a.txt", "alpha"}, {"fill/d/b.bin", "beta"}})));
  SS_ASSERT_OK(client().removeContainer(filler, {.force = true, .volumes = true}));  // and its anonymous /data

  // What a guardian killed during a test restore left: removed at start-up.
  std::string stale = "shipshape-restore-test-" + prefix() + "-stale";
  SS_ASSERT_OK(client().createVolume(stale, {{"shipshape.restored-from", volume + "@x"}}));

  // First the backup directory is a file: every backup fails until it is removed.
  std::string blocked = state_dir_ + "/blocked";
  std::ofstream(blocked) << "not a directory";
  BackgroundProcess watch(
      {SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--autoheal", "off", "--no-proxy", "--config",
       writeConfig("backups:\n  dir: " + blocked + "\n  rescan: 1s\n  retry: 1s\n  restore_test_every: 1s\n"),
       "--listen", "127.0.0.1:0", "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return !metricsUrl(watch.output()).empty(); }, 10s)) << watch.output();
  EXPECT_TRUE(eventually([&] { return !client().inspectVolume(stale); }, 10s)) << watch.output();
  json failed;
  ASSERT_TRUE(eventually([&] { return (failed = incident("backup-failed", volume)).is_object(); }, 20s))
      << watch.output();
  EXPECT_TRUE(failed["resolved_at"].is_null());
  EXPECT_NE(failed["situation"].get<std::string>().find("@every 2s"), std::string::npos) << failed.dump(2);

  fs::remove(blocked);
  ASSERT_TRUE(eventually([&] { return !incident("backup-failed", volume)["resolved_at"].is_null(); }, 20s))
      << watch.output();
  // Three runs at least (one pruned: keep last=2), and the newest test-restored and verified.
  ASSERT_TRUE(
      eventually([&] { return watch.output().find("[backups] pruned " + volume + "@") != std::string::npos; }, 30s))
      << watch.output();
  auto listed = volumes::listBackups(blocked, volume);
  SS_ASSERT_OK(listed);
  EXPECT_LE(listed->size(), 3u) << "keep last=2 (one more may have been taken since)";
  bool tested = false;
  ASSERT_TRUE(eventually(
      [&] {
        auto now = volumes::listBackups(blocked, volume);
        if (!now) return false;
        for (const auto& b : *now) tested |= b.restore_test && b.restore_test->ok;
        return tested;
      },
      20s))
      << watch.output();

  auto metrics = httpRequest("GET", metricsUrl(watch.output()));
  SS_ASSERT_OK(metrics);
  for (const char* family : {"shipshape_backup_last_success_timestamp_seconds", "shipshape_backup_last_bytes",
                             "shipshape_backup_last_duration_seconds", "shipshape_backup_failures_total",
                             "shipshape_restore_test_last_success_timestamp_seconds"}) {
    EXPECT_NE(metrics->body.find(std::string(family) + "{volume=\"" + volume + "\"}"), std::string::npos)
        << family << "\n"
        << metrics->body.substr(metrics->body.find("shipshape_backup"));
  }
  EXPECT_EQ(watch.stop(SIGTERM, 10s), 0) << watch.output();
  // The scratch volumes of the test restores are gone.
  auto scratch = client().listVolumes({{"name", {"shipshape-restore-test-" + volume}}});
  SS_ASSERT_OK(scratch);
  EXPECT_TRUE(scratch->empty());
}

TEST_F(GuardianVolumes, ARemovedDatabaseKeepsItsAnonymousVolumeUntilItIsMountedAgain) {
  // A database by its image's name (the stateful list knows postgres): testapp tagged as one.
  std::string repo = "shipshape-test/postgres";
  std::string tag = prefix();
  SS_ASSERT_OK(client().tagImage(kTestappImage, repo, tag));
  struct Untag {
    docker::Client& c;
    std::string ref;
    ~Untag() { (void)c.removeImage(ref); }
  } untag{client(), repo + ":" + tag};
  auto spec = testappSpec();
  spec.image = repo + ":" + tag;
  spec.mounts.push_back({"volume", "", "/var/lib/postgresql/data", false});
  std::string db = runTestapp("db", spec);
  trackVolumes(db);
  std::string volume = anonymousVolume(db, "/var/lib/postgresql/data");
  ASSERT_EQ(volume.size(), 64u);
  kept_volumes_.push_back(volume);
  SS_ASSERT_OK(client().putArchive(db, "/var/lib/postgresql/data", makeTar({{"PG_VERSION", "16"}})));

  BackgroundProcess watch(
      {SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--autoheal", "off", "--no-proxy", "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return watch.output().find("[events] subscribed") != std::string::npos; }, 10s))
      << watch.output();

  // The patch: the container goes (its volume stays, as `docker rm` leaves it).
  SS_ASSERT_OK(client().removeContainer(db, {.force = true}));
  json at_risk;
  ASSERT_TRUE(eventually([&] { return (at_risk = incident("data-at-risk", volume)).is_object(); }, 10s))
      << watch.output();
  std::string situation = at_risk["situation"];
  EXPECT_NE(situation.find(name("db")), std::string::npos) << situation;
  EXPECT_NE(situation.find("/var/lib/postgresql/data"), std::string::npos) << situation;
  EXPECT_NE(at_risk["task"].get<std::string>().find("shipshape backup " + volume), std::string::npos);
  EXPECT_LT(at_risk["time_to_detect_ms"].get<std::int64_t>(), 2000);
  // Kept: a created, never started container mounts it, which `docker volume prune` respects.
  auto keepers = keepersOf(volume);
  ASSERT_EQ(keepers.size(), 1u);
  auto keeper = client().inspectContainer(keepers[0]);
  SS_ASSERT_OK(keeper);
  EXPECT_FALSE(keeper->state.running);
  SS_EXPECT_OK(client().inspectVolume(volume));

  // The fix: the database again, on the same volume: the incident resolves and the keeper goes.
  auto again = spec;
  again.mounts = {{"volume", volume, "/var/lib/postgresql/data", false}};
  std::string db2 = runTestapp("db2", again, /*start=*/false);
  trackVolumes(db2);
  ASSERT_TRUE(eventually([&] { return !incident("data-at-risk", volume)["resolved_at"].is_null(); }, 10s))
      << watch.output();
  EXPECT_TRUE(eventually([&] { return keepersOf(volume).empty(); }, 5s));

  // `rm -v`: the volume went with the container; the incident says the data is gone.
  SS_ASSERT_OK(client().removeContainer(db2, {.force = true}));
  auto gone_spec = spec;
  std::string db3 = runTestapp("db3", gone_spec);
  trackVolumes(db3);
  std::string gone = anonymousVolume(db3, "/var/lib/postgresql/data");
  ASSERT_EQ(gone.size(), 64u);
  kept_volumes_.push_back(gone);
  SS_ASSERT_OK(client().removeContainer(db3, {.force = true, .volumes = true}));
  json lost;
  ASSERT_TRUE(eventually([&] { return (lost = incident("data-at-risk", gone)).is_object(); }, 10s)) << watch.output();
  EXPECT_NE(lost["situation"].get<std::string>().find("is gone"), std::string::npos) << lost.dump(2);
  EXPECT_TRUE(keepersOf(gone).empty());

  // A container that is not a database is not watched: its volume is simply left.
  std::string plain = runTestapp("plain", [&] {
    auto s = testappSpec();
    s.mounts.push_back({"volume", "", "/data", false});
    return s;
  }());
  std::string plain_volume = anonymousVolume(plain, "/data");
  kept_volumes_.push_back(plain_volume);
  SS_ASSERT_OK(client().removeContainer(plain, {.force = true}));
  EXPECT_EQ(watch.stop(SIGTERM, 10s), 0) << watch.output();
  EXPECT_TRUE(incident("data-at-risk", plain_volume).is_null());
  EXPECT_TRUE(keepersOf(plain_volume).empty());
}

}  // namespace
}  // namespace shipshape::testing
