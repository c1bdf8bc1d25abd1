// Backups, restores and migrations against the real engine (and real restic): every file's sha256 compared,
// damaged archives caught, writers paused or hooked and always resumed, a killed backup leaving nothing that
// looks whole, a full disk leaving the previous backup intact, and the seed's failure — data in an anonymous
// volume — surviving a remove and recreate after `volumes migrate`.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/http_get.h"
#include "support/process.h"
#include "support/scoped.h"
#include "support/tar_util.h"
#include "volumes/backup.h"
#include "volumes/dir_scan.h"
#include "volumes/helper.h"
#include "volumes/migrate.h"
#include "volumes/restic.h"
#include "volumes/restore.h"

namespace shipshape::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

class VolumesTest : public DockerTest {
 protected:
  void TearDown() override {
    for (const auto& v : extra_volumes_) (void)client().removeVolume(v, true);
    DockerTest::TearDown();
  }

  // A labelled volume filled with `files` through a created-never-started container.
  std::string filledVolume(std::string_view suffix, const std::map<std::string, std::string>& files) {
    std::string volume = name(suffix);
    EXPECT_TRUE(isOk(client().createVolume(volume, testLabels())));
    auto spec = testappSpec();
    spec.mounts.push_back({"volume", volume, "/fill", false});
    std::string filler = runTestapp(std::string(suffix) + "-fill", spec, /*start=*/false);
    std::map<std::string, std::string> under;
    for (const auto& [path, content] : files) under["fill/" + path] = content;
    EXPECT_TRUE(isOk(client().putArchive(filler, "/", makeTar(under))));
    EXPECT_TRUE(isOk(client().removeContainer(filler, {.force = true, .volumes = true})));
    return volume;
  }

  // Volumes the code under test creates (restore targets, migrations) carry no test label.
  void alsoRemove(const std::string& volume) { extra_volumes_.push_back(volume); }

  volumes::BackupResult backup(const std::string& volume, const std::string& dir,
                               volumes::ConsistencyMode mode = volumes::ConsistencyMode::kAuto) {
    volumes::BackupOptions o;
    o.volume = volume;
    o.dir = dir;
    o.consistency = mode;
    auto r = volumes::runBackup(client(), o);
    EXPECT_TRUE(isOk(r));
    return r ? *r : volumes::BackupResult{};
  }

  std::vector<std::string> extra_volumes_;
};

std::map<std::string, std::string> sampleFiles() {
  return {{"big.bin", randomBytes(3 << 20, 1)},
          {"text.txt", std::string(200000, 'x')},
          {"dir/a", "alpha"},
          {"dir/deeper/b", randomBytes(70000, 2)},
          {"empty", ""}};
}

TEST_F(VolumesTest, BackupAndRestoreGiveBackEveryFileByteForByte) {
  ScopedTempDir dir("backup");
  std::string source = filledVolume("src", sampleFiles());
  auto made = backup(source, dir.path());
  ASSERT_FALSE(made.manifest_path.empty());
  EXPECT_EQ(made.manifest.files, 5);
  EXPECT_TRUE(fs::exists(made.archive_path));
  EXPECT_EQ(made.manifest.consistency, "none");  // nothing mounts it

  std::string target = name("restored");
  alsoRemove(target);
  volumes::RestoreOptions r{dir.path(), source, target, false, {}};
  auto restored = volumes::runRestore(client(), r);
  SS_ASSERT_OK(restored);
  EXPECT_TRUE(restored->created);
  EXPECT_EQ(restored->files, 5);
  EXPECT_EQ(restored->verified_by, "host") << "a local engine's volume directory is read here";

  auto before = volumes::scanVolume(client(), source);
  auto after = volumes::scanVolume(client(), target);
  SS_ASSERT_OK(before);
  SS_ASSERT_OK(after);
  EXPECT_EQ(volumes::firstDifference(before->entries, after->entries), std::nullopt);
  std::size_t hashed = 0;
  for (const auto& e : after->entries) hashed += e.sha256.empty() ? 0 : 1;
  EXPECT_EQ(hashed, 5u);

  // A second restore into the same (now non-empty) volume is refused; --force replaces it and keeps the old.
  auto again = volumes::runRestore(client(), r);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  r.force = true;
  auto forced = volumes::runRestore(client(), r);
  SS_ASSERT_OK(forced);
  EXPECT_FALSE(forced->previous_content.empty());
}

TEST_F(VolumesTest, TheHostsReadOfAVolumeIsTheEnginesAndADifferenceIsConfirmedThroughTheEngine) {
  std::string volume = filledVolume("host", sampleFiles());
  auto info = client().inspectVolume(volume);
  SS_ASSERT_OK(info);
  // What makeTar cannot make, made in the volume's directory: links, a fifo, special modes, other owners.
  std::string dir = info->mountpoint;
  ASSERT_EQ(::symlink("dir/a", (dir + "/link").c_str()), 0);
  ASSERT_EQ(::link((dir + "/text.txt").c_str(), (dir + "/dir/hard").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0640), 0);
  ASSERT_EQ(::chmod((dir + "/dir/a").c_str(), 04750), 0);
  ASSERT_EQ(::chown((dir + "/dir/deeper/b").c_str(), 1234, 5678), 0);
  fs::create_directories(dir + "/empty-dir");

  auto engine = volumes::scanVolume(client(), volume);
  auto host = volumes::scanDirectory(dir, 2);
  SS_ASSERT_OK(engine);
  SS_ASSERT_OK(host);
  EXPECT_EQ(volumes::firstDifference(engine->entries, host->entries), std::nullopt);
  EXPECT_EQ(volumes::firstDifference(host->entries, engine->entries), std::nullopt);
  EXPECT_EQ(host->entries.size(), engine->entries.size());
  EXPECT_EQ(host->files, engine->files);

  std::string method;
  auto same = volumes::checkVolume(client(), volume, engine->entries, method);
  SS_EXPECT_OK(same);
  EXPECT_EQ(method, "host");

  // One byte changed behind the engine's back: the difference is found, and the engine's read decides.
  {
    std::fstream f(dir + "/dir/deeper/b", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('!');
  }
  auto changed = volumes::checkVolume(client(), volume, engine->entries, method);
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("dir/deeper/b: sha256"), std::string::npos) << changed.error().message;
  EXPECT_EQ(method, "engine");
}

TEST_F(VolumesTest, VerifyCatchesAFlippedByteAndATruncatedArchive) {
  ScopedTempDir dir("verify");
  std::string source = filledVolume("src", sampleFiles());
  auto made = backup(source, dir.path());
  auto record = volumes::findBackup(dir.path(), source);
  SS_ASSERT_OK(record);
  SS_EXPECT_OK(volumes::verifyBackup(*record));

  std::string bytes = readText(made.archive_path);
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x01;
  std::ofstream(made.archive_path, std::ios::binary | std::ios::trunc) << flipped;
  auto bad = volumes::verifyBackup(*record);
  ASSERT_FALSE(bad);
  std::ofstream(made.archive_path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 1000);
  EXPECT_FALSE(volumes::verifyBackup(*record));

  // The CLI says the same with exit 1, and exit 2 for a backup that does not exist.
  auto cli = runProcess({SHIPSHAPE_BINARY, "backups", "verify", made.manifest_path, "--dir", dir.path()});
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  auto missing = runProcess({SHIPSHAPE_BINARY, "backups", "verify", "no-such-volume", "--dir", dir.path()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such backup: no-such-volume"), std::string::npos) << missing.err;
  auto unknown = runProcess({SHIPSHAPE_BINARY, "backup", name("nope"), "--to", dir.path()});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no such volume: " + name("nope")), std::string::npos) << unknown.err;
}

TEST_F(VolumesTest, ARunningWriterIsPausedForTheCopyAndResumed) {
  ScopedTempDir dir("pause");
  std::string volume = filledVolume("data", {{"kv", "1"}});
  auto spec = testappSpec();
  spec.mounts.push_back({"volume", volume, "/data", false});
  std::string app = runTestapp("app", spec);
  auto made = backup(volume, dir.path());
  EXPECT_EQ(made.manifest.consistency, "pause");
  EXPECT_GE(made.manifest.paused_ms, 0);
  EXPECT_LT(made.manifest.paused_ms, 10000);
  auto state = client().inspectContainer(app);
  SS_ASSERT_OK(state);
  EXPECT_TRUE(state->state.running);
  EXPECT_FALSE(state->state.paused);

  auto stopped = backup(volume, dir.path(), volumes::ConsistencyMode::kStop);
  EXPECT_EQ(stopped.manifest.consistency, "stop");
  EXPECT_TRUE(eventually(
      [&] {
        auto s = client().inspectContainer(app);
        return s && s->state.running;
      },
      10s));
}

TEST_F(VolumesTest, AHookLabelRunsTheContainersOwnDumpBeforeTheCopy) {
  ScopedTempDir dir("hook");
  // Empty at its first mount: the engine copies the image's /data (owned by testapp's user) into it.
  std::string volume = name("data");
  SS_ASSERT_OK(client().createVolume(volume, testLabels()));
  auto spec = testappSpec();
  spec.mounts.push_back({"volume", volume, "/data", false});
  spec.labels["shipshape.backup.hook"] = R"(["/testapp", "dump", "/data"])";
  std::string app = runTestapp("app", spec);
  auto made = backup(volume, dir.path());
  EXPECT_EQ(made.manifest.consistency, "hook");
  EXPECT_EQ(made.manifest.paused_ms, 0);
  bool has_dump = false;
  for (const auto& e : made.manifest.entries) has_dump |= e.path == "dump.txt";
  EXPECT_TRUE(has_dump);
}

TEST_F(VolumesTest, ResticRepositoryRoundTripAndAWrongPassword) {
  ScopedTempDir dir("restic");
  std::string repo = dir.path() + "/repo";
  std::string password = dir.path() + "/password";
  SS_ASSERT_OK(writeFileAtomic(password, "correct horse\n"));
  ::setenv("RESTIC_PASSWORD_FILE", password.c_str(), 1);
  SS_ASSERT_OK(volumes::resticInit({repo}));
  std::string source = filledVolume("src", sampleFiles());
  volumes::BackupOptions o;
  o.volume = source;
  o.dir = dir.path() + "/backups";
  o.restic_repo = "restic:" + repo;
  auto made = volumes::runBackup(client(), o);
  SS_ASSERT_OK(made);
  EXPECT_FALSE(made->manifest.restic_snapshot.empty());
  auto record = volumes::findBackup(o.dir, source);
  SS_ASSERT_OK(record);
  SS_EXPECT_OK(volumes::verifyBackup(*record));
  std::string target = name("restored");
  alsoRemove(target);
  SS_EXPECT_OK(volumes::runRestore(client(), {o.dir, source, target, false, {}}));

  SS_ASSERT_OK(writeFileAtomic(password, "wrong\n"));
  auto denied = volumes::runBackup(client(), o);
  ::unsetenv("RESTIC_PASSWORD_FILE");
  ASSERT_FALSE(denied);
  EXPECT_NE(denied.error().describe().find("wrong password"), std::string::npos) << denied.error().describe();
}

TEST_F(VolumesTest, AKilledBackupLeavesNothingThatLooksWholeAndThePreviousIntact) {
  ScopedTempDir dir("kill");
  std::string volume = filledVolume("data", {{"small", "x"}});
  auto first = backup(volume, dir.path());
  // Enough random data that gzip takes a few seconds.
  std::string volume_big = filledVolume("big", {{"r.bin", randomBytes(64 << 20, 3)}});
  (void)volume_big;
  std::string vdir = dir.path() + "/" + volume_big;
  BackgroundProcess running({SHIPSHAPE_BINARY, "backup", volume_big, "--to", dir.path(), "--compress", "gzip"});
  auto partial = [&] {
    std::error_code ec;
    if (!fs::exists(vdir, ec)) return false;
    for (const auto& f : fs::directory_iterator(vdir, ec)) {
      if (isPartialFileName(f.path().filename().string())) return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually(partial, 30s)) << running.output();
  running.stop(SIGKILL, 5s);
  auto listed = volumes::listBackups(dir.path(), volume_big);
  SS_ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());  // the partial archive is there, but nothing lists it as a backup
  auto previous = volumes::findBackup(dir.path(), volume);
  SS_ASSERT_OK(previous);
  SS_EXPECT_OK(volumes::verifyBackup(*previous));
  // The helper the killed process left behind (created, never started) holds the volume "in use" until
  // the next guardian start removes it: its maker's pid is gone. (Another test's guardian starting in
  // parallel is such a start too, and may remove it first: either way it goes.)
  auto helpers = [&] {
    auto found = client().listContainers({.all = true, .filters = {{"label", {"shipshape.volume=" + volume_big}}}});
    return found ? found->size() : 0;
  };
  std::size_t left = helpers();
  EXPECT_LE(left, 1u);
  (void)volumes::removeOrphanedHelpers(client());  // counts every orphan on the engine, not only this test's
  EXPECT_EQ(helpers(), 0u);
}

TEST_F(VolumesTest, AFullDiskRemovesThePartialArchiveAndKeepsThePreviousBackup) {
  ScopedTempDir dir("enospc");
  ASSERT_EQ(::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{dir.path()};
  std::string volume = filledVolume("data", {{"small", "x"}});
  backup(volume, dir.path());
  auto spec = testappSpec();
  spec.mounts.push_back({"volume", volume, "/fill", false});
  std::string filler = runTestapp("fill2", spec, false);
  SS_ASSERT_OK(client().putArchive(filler, "/", makeTar({{"fill/r.bin", randomBytes(4 << 20, 4)}})));
  SS_ASSERT_OK(client().removeContainer(filler, {.force = true, .volumes = true}));
  volumes::BackupOptions o;
  o.volume = volume;
  o.dir = dir.path();
  o.compression = volumes::Compression::kNone;
  auto full = volumes::runBackup(client(), o);
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().describe().find("No space left on device"), std::string::npos) << full.error().describe();
  for (const auto& f : fs::directory_iterator(dir.path() + "/" + volume)) {
    EXPECT_FALSE(isPartialFileName(f.path().filename().string())) << f.path();
  }
  auto listed = volumes::listBackups(dir.path(), volume);
  SS_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  SS_EXPECT_OK(volumes::verifyBackup(listed->front()));
}

// Scenario 3 of the seed: the data in an anonymous volume survives a remove + recreate once migrated.
TEST_F(VolumesTest, MigratedDataSurvivesRemovingAndRecreatingTheContainer) {
  auto spec = testappSpec();  // the image declares VOLUME /data: an anonymous volume
  std::string app = runTestapp("db", spec);
  ASSERT_TRUE(waitForHealth(app, "healthy", 30s));
  std::string ip = containerIp(app);
  auto put = httpRequest("PUT", "http://" + ip + ":8080/kv/greeting", "hello");
  SS_ASSERT_OK(put);
  ASSERT_EQ(put->status / 100, 2) << put->body;

  std::string named = name("db-data");
  alsoRemove(named);
  volumes::MigrateOptions o;
  o.container = name("db");
  o.name = named;
  o.prune_old = true;
  auto migrated = volumes::migrateContainer(client(), o);
  SS_ASSERT_OK(migrated);
  ASSERT_EQ(migrated->volumes.size(), 1u);
  EXPECT_EQ(migrated->volumes[0].destination, "/data");
  EXPECT_TRUE(migrated->old_pruned);
  auto now = client().inspectContainer(name("db"));
  SS_ASSERT_OK(now);
  EXPECT_TRUE(now->state.running);
  ASSERT_EQ(now->mounts.size(), 1u);
  EXPECT_EQ(now->mounts[0].name, named);
  EXPECT_FALSE(client().inspectContainer(name("db") + "-pre-migration"));

  // The seed's failure: the container is removed and recreated from its image.
  SS_ASSERT_OK(client().removeContainer(now->id, {.force = true, .volumes = true}));
  auto again = testappSpec();
  again.mounts.push_back({"volume", named, "/data", false});
  std::string recreated = runTestapp("db2", again);
  ASSERT_TRUE(waitForHealth(recreated, "healthy", 30s));
  auto got = httpRequest("GET", "http://" + containerIp(recreated) + ":8080/kv/greeting", "");
  SS_ASSERT_OK(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello");
}

// kill -9 part-way through a restore: the half-filled volume is never taken for a restored one (the journal
// names it in `shipshape volumes`, another restore into it is refused), and the same restore run again
// completes it, every file checked.
TEST_F(VolumesTest, AKilledRestoreIsCompletedByItsRerunAndNeverPassesForWhole) {
  ScopedTempDir dir("kill-restore");
  std::map<std::string, std::string> files;
  for (int i = 0; i < 8; ++i) files["r" + std::to_string(i) + ".bin"] = randomBytes(8 << 20, 10 + i);
  std::string source = filledVolume("src", files);
  backup(source, dir.path(), volumes::ConsistencyMode::kNone);
  std::string other = filledVolume("other", {{"x", "y"}});
  backup(other, dir.path(), volumes::ConsistencyMode::kNone);
  std::string target = name("target");
  alsoRemove(target);

  // gzip is slow enough to be caught part-way; restore from a gzip backup of the same volume.
  auto run = runProcess({SHIPSHAPE_BINARY, "backup", source, "--to", dir.path(), "--compress", "gzip"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  BackgroundProcess restoring({SHIPSHAPE_BINARY, "restore", source, "--from", dir.path(), "--volume", target});
  auto uploading = [&] {
    auto helpers = client().listContainers(
        {.all = true, .filters = {{"label", {"shipshape.helper=restore", "shipshape.volume=" + target}}}});
    return helpers && !helpers->empty();
  };
  ASSERT_TRUE(eventually(uploading, 30s)) << restoring.output();
  restoring.stop(SIGKILL, 5s);
  EXPECT_GE(volumes::removeOrphanedHelpers(client()), 1u);

  auto interrupted = volumes::interruptedRestore(dir.path(), target);
  ASSERT_TRUE(interrupted.has_value());
  EXPECT_EQ(interrupted->rfind(source + "@", 0), 0u) << *interrupted;
  auto listed = runProcess({SHIPSHAPE_BINARY, "volumes", "--backup-dir", dir.path(), "-f", "json"});
  EXPECT_NE(listed.out.find("interrupted restore of " + *interrupted), std::string::npos) << listed.out;
  // Another backup into it is refused: the volume holds part of a restore.
  auto refused = runProcess({SHIPSHAPE_BINARY, "restore", other, "--from", dir.path(), "--volume", target});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("interrupted restore of " + *interrupted), std::string::npos) << refused.err;

  // The same restore again: completed and verified, the journal gone.
  auto again = runProcess({SHIPSHAPE_BINARY, "restore", source, "--from", dir.path(), "--volume", target, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  auto result = nlohmann::json::parse(again.out);
  EXPECT_TRUE(result["resumed"].get<bool>());
  EXPECT_TRUE(result["verified"].get<bool>());
  EXPECT_EQ(result["files"], 8);
  EXPECT_FALSE(volumes::interruptedRestore(dir.path(), target).has_value());
}

// kill -9 part-way through a migration (the container stopped, the copy running): a rerun leaves the
// container running on the verified named volume, with its data — never stopped on neither.
TEST_F(VolumesTest, AKilledMigrationIsFinishedByItsRerunWithTheContainerRunning) {
  auto spec = testappSpec();  // VOLUME /data: an anonymous volume
  std::string app = runTestapp("mig", spec);
  ASSERT_TRUE(waitForHealth(app, "healthy", 30s));
  auto put = httpRequest("PUT", "http://" + containerIp(app) + ":8080/kv/greeting", "hello");
  SS_ASSERT_OK(put);
  ASSERT_EQ(put->status / 100, 2) << put->body;
  // Enough data that the copy is still running when the process is killed.
  std::map<std::string, std::string> bulk;
  for (int i = 0; i < 12; ++i) bulk["data/bulk/" + std::to_string(i)] = randomBytes(16 << 20, 40 + i);
  SS_ASSERT_OK(client().putArchive(app, "/", makeTar(bulk)));
  std::string named = name("mig-data");
  alsoRemove(named);
  auto before = client().inspectContainer(app);
  SS_ASSERT_OK(before);
  ASSERT_EQ(before->mounts.size(), 1u);
  std::string anonymous = before->mounts[0].name;
  alsoRemove(anonymous);  // kept after the migration (no --prune-old)

  BackgroundProcess migrating({SHIPSHAPE_BINARY, "volumes", "migrate", name("mig"), "--name", named});
  auto copying = [&] {
    auto helpers = client().listContainers(
        {.all = true, .filters = {{"label", {"shipshape.helper=copy", "shipshape.volume=" + anonymous}}}});
    auto c = client().inspectContainer(app);
    return helpers && !helpers->empty() && c && !c->state.running;
  };
  ASSERT_TRUE(eventually(copying, 30s)) << migrating.output();
  migrating.stop(SIGKILL, 5s);
  (void)volumes::removeOrphanedHelpers(client());
  auto stopped = client().inspectContainer(app);
  SS_ASSERT_OK(stopped);
  EXPECT_FALSE(stopped->state.running) << "killed while the container was stopped for the copy";

  auto rerun = runProcess({SHIPSHAPE_BINARY, "volumes", "migrate", name("mig"), "--name", named});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  auto now = client().inspectContainer(name("mig"));
  SS_ASSERT_OK(now);
  EXPECT_TRUE(now->state.running) << "it ran before the first attempt stopped it";
  ASSERT_EQ(now->mounts.size(), 1u);
  EXPECT_EQ(now->mounts[0].name, named);
  ASSERT_TRUE(waitForHealth(now->id, "healthy", 30s));
  auto got = httpRequest("GET", "http://" + containerIp(now->id) + ":8080/kv/greeting", "");
  SS_ASSERT_OK(got);
  EXPECT_EQ(got->body, "hello");
  if (auto old = client().inspectContainer(name("mig") + "-pre-migration")) {
    ADD_FAILURE() << "the original is still parked";
  }
}

}  // namespace
}  // namespace shipshape::testing
