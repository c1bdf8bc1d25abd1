// The volume tools' pure parts: manifests, retention, schedules, the recreate plan, the pipe, atomic files,
// and reading back archives that were damaged.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/byte_pipe.h"
#include "common/file.h"
#include "common/format.h"
#include "common/sha256.h"
#include "support/fixtures.h"
#include "support/scoped.h"
#include "support/tar_util.h"
#include "volumes/archive_writer.h"
#include "volumes/backup_catalog.h"
#include "volumes/inventory.h"
#include "volumes/manifest.h"
#include "volumes/migrate.h"
#include "volumes/schedule.h"
#include "volumes/tar_scan.h"

namespace shipshape::volumes {
namespace {

using testing::ScopedTempDir;

ManifestEntry file(std::string path, std::string sha, std::int64_t size = 5) {
  return ManifestEntry{std::move(path), "file", 0644, 65534, 65534, size, 1700000000, "", std::move(sha)};
}

TEST(Manifest, RoundTripsThroughJson) {
  Manifest m;
  m.volume = "pgdata";
  m.created = "2026-12-01T10:00:00Z";
  m.archive = "20261201T100000Z.tar.zst";
  m.compression = "zstd";
  m.archive_sha256 = std::string(64, 'a');
  m.restic_repository = "/srv/restic";
  m.restic_snapshot = "cfa9df57";
  m.entries = {{".", "dir", 0700, 999, 999, 0, 1, "", ""},
               file("a", std::string(64, 'b')),
               {"l", "symlink", 0777, 0, 0, 0, 1, "a", ""},
               {"s", "file", 04755, 0, 0, 0, 1, "", std::string(64, 'c')}};
  auto back = manifestFromJson(manifestToJson(m), "m.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->entries, m.entries);
  EXPECT_EQ(back->restic_snapshot, "cfa9df57");
  EXPECT_EQ(back->entries[3].mode, 04755u);
}

TEST(Manifest, BadJsonNamesFileLineAndColumn) {
  auto m = manifestFromJson("{\n  \"format\": 1,\n  oops\n}", "/b/x.manifest.json");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("/b/x.manifest.json:3:3"), std::string::npos) << m.error().message;
  auto newer = manifestFromJson(R"({"format": 9, "volume": "v", "entries": []})", "x");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("format 9"), std::string::npos);
}

TEST(Manifest, FirstDifferenceNamesThePathAndWhat) {
  std::vector<ManifestEntry> want = {file("a", std::string(64, '1')), file("b", std::string(64, '2'))};
  EXPECT_FALSE(firstDifference(want, want));
  auto changed = want;
  changed[1].sha256 = std::string(64, '3');
  EXPECT_EQ(firstDifference(want, changed).value_or("").substr(0, 11), "b: sha256 3");
  changed = want;
  changed[0].mode = 0600;
  EXPECT_EQ(firstDifference(want, changed).value_or(""), "a: mode 0600, expected 0644");
  changed = want;
  changed[0].uid = 0;
  EXPECT_EQ(firstDifference(want, changed).value_or(""), "a: owner 0:65534, expected 65534:65534");
  changed = want;
  changed.pop_back();
  EXPECT_EQ(firstDifference(want, changed).value_or(""), "b: missing");
  changed = want;
  changed.push_back(file("c", ""));
  EXPECT_EQ(firstDifference(want, changed).value_or(""), "c: not in the backup");
}

BackupRecord at(const std::string& volume, const std::string& iso) {
  BackupRecord r;
  r.manifest.volume = volume;
  r.id = volume + "@" + iso;
  std::tm tm{};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  r.created = timegm(&tm);
  return r;
}

TEST(Prune, KeepsLastAndOnePerDayPerVolume) {
  std::vector<BackupRecord> all = {at("a", "2026-11-28T01:00:00Z"), at("a", "2026-11-29T01:00:00Z"),
                                   at("a", "2026-11-29T13:00:00Z"), at("a", "2026-11-30T01:00:00Z"),
                                   at("a", "2026-11-30T13:00:00Z"), at("b", "2026-11-01T00:00:00Z")};
  auto remove = prunePlan(all, KeepPolicy{.last = 1, .daily = 2});
  std::vector<std::string> ids;
  ids.reserve(remove.size());
  for (const auto& r : remove) ids.push_back(r.id);
  // Kept: a's newest (30th 13:00, also the 30th's daily), the 29th's newest; b's only one.
  EXPECT_EQ(ids,
            (std::vector<std::string>{"a@2026-11-30T01:00:00Z", "a@2026-11-29T01:00:00Z", "a@2026-11-28T01:00:00Z"}));
}

TEST(Prune, TwoBackupsInOneSecondAreOrderedByTheirSuffix) {
  std::string dir = ::testing::TempDir() + "/ss-same-second-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/v");
  Manifest m;
  m.volume = "v";
  m.created = "2026-12-01T18:37:26Z";
  for (const char* stamp : {"20261201T183726Z", "20261201T183726Z.1", "20261201T183726Z.2"}) {
    ASSERT_TRUE(writeFileAtomic(dir + "/v/" + stamp + ".manifest.json", manifestToJson(m)));
  }
  auto listed = listBackups(dir, "v");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(listed->back().id, "v@20261201T183726Z.2");  // oldest first, newest last
  auto newest = findBackup(dir, "v");
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->id, "v@20261201T183726Z.2");
  auto remove = prunePlan(*listed, KeepPolicy{.last = 1});
  ASSERT_EQ(remove.size(), 2u);
  EXPECT_EQ(remove[0].id, "v@20261201T183726Z.1");
  std::filesystem::remove_all(dir);
}

// 2026-12-01T10:17:00Z is a Tuesday.
std::time_t utc(const char* iso) { return static_cast<std::time_t>(parseRfc3339Ms(iso) / 1000); }
std::string iso(std::time_t t) { return isoTimeMs(static_cast<std::int64_t>(t) * 1000); }

TEST(Schedule, ShorthandsEveryAndCronFindTheNextRun) {
  auto next = [](const char* text, const char* after) {
    auto s = Schedule::parse(text);
    EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
    return s ? iso(s->nextAfter(utc(after))) : std::string();
  };
  EXPECT_EQ(next("@hourly", "2026-12-01T10:17:00Z"), "2026-12-01T11:00:00.000Z");
  EXPECT_EQ(next("@daily", "2026-12-01T10:17:00Z"), "2026-12-02T00:00:00.000Z");
  EXPECT_EQ(next("@weekly", "2026-12-01T10:17:00Z"), "2026-12-06T00:00:00.000Z");  // Sunday
  EXPECT_EQ(next("@monthly", "2026-12-01T10:17:00Z"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("@every 90m", "2026-12-01T10:17:00Z"), "2026-12-01T11:47:00.000Z");
  EXPECT_EQ(next("30 2 * * *", "2026-12-01T10:17:00Z"), "2026-12-02T02:30:00.000Z");
  EXPECT_EQ(next("*/15 * * * *", "2026-12-01T10:17:00Z"), "2026-12-01T10:30:00.000Z");
  EXPECT_EQ(next("0 9-17/4 * * 1-5", "2026-12-01T10:17:00Z"), "2026-12-01T13:00:00.000Z");
  EXPECT_EQ(next("0 0 29 2 *", "2026-12-01T10:17:00Z"), "2028-02-29T00:00:00.000Z");
  // Both day fields restricted: either matches (the 15th, or any Sunday).
  EXPECT_EQ(next("0 0 15 * 0", "2026-12-01T10:17:00Z"), "2026-12-06T00:00:00.000Z");
  EXPECT_EQ(next("0 0 * * 7", "2026-12-01T10:17:00Z"), "2026-12-06T00:00:00.000Z");  // 7 is Sunday too
  // Strictly after: a time that matches is not its own next run.
  EXPECT_EQ(next("0 * * * *", "2026-12-01T10:00:00Z"), "2026-12-01T11:00:00.000Z");
}

TEST(Schedule, BadExpressionsNameTheirFault) {
  for (const char* bad : {"every day", "@every", "@every 0s", "61 * * * *", "* * 0 * *", "*/0 * * * *", "1-x * * * *",
                          "* * * * * *", "5-1 * * * *"}) {
    auto s = Schedule::parse(bad);
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_NE(s.error().describe().find(bad), std::string::npos) << s.error().describe();
    }
  }
}

TEST(Schedule, KeepPolicies) {
  auto keep = parseKeepPolicy("last=7,daily=7,weekly=4");
  ASSERT_TRUE(keep);
  EXPECT_EQ(keep->last, 7);
  EXPECT_EQ(keep->weekly, 4);
  EXPECT_EQ(keep->monthly, 0);
  EXPECT_FALSE(parseKeepPolicy("hourly=3"));
  EXPECT_FALSE(parseKeepPolicy("last=x"));
}

TEST(RecreatePlan, ReplacesTheAnonymousVolumeAndKeepsTheRest) {
  nlohmann::json inspect = {
      {"Id", "0123456789abcdef0123"},
      {"Image", "sha256:feed"},
      {"Config",
       {{"Hostname", "0123456789ab"},
        {"Image", "db:1"},
        {"Env", {"A=1"}},
        {"Labels", {{"x", "y"}}},
        {"Volumes", {{"/data", nlohmann::json::object()}}}}},
      {"HostConfig",
       {{"NetworkMode", "appnet"},
        {"Binds", {"/srv/conf:/conf:ro"}},
        {"RestartPolicy", {{"Name", "always"}}},
        {"PortBindings", {{"8080/tcp", {{{"HostPort", "18080"}}}}}}}},
      {"Mounts", {{{"Type", "volume"}, {"Name", std::string(64, 'f')}, {"Destination", "/data"}, {"RW", true}}}},
      {"NetworkSettings",
       {{"Networks", {{"appnet", {{"Aliases", {"db", "0123456789ab"}}}}, {"other", {{"Aliases", {"db-other"}}}}}}}}};
  auto plan = recreatePlan(inspect.dump(), {{"/data", "app-data"}}, "/data=" + std::string(64, 'f'));
  ASSERT_TRUE(plan) << plan.error().message;
  auto body = nlohmann::json::parse(plan->body);
  EXPECT_EQ(body["Image"], "sha256:feed");
  EXPECT_FALSE(body.contains("Hostname"));
  EXPECT_EQ(body["Env"], nlohmann::json({"A=1"}));
  EXPECT_EQ(body["Labels"]["x"], "y");
  EXPECT_EQ(body["HostConfig"]["Binds"], nlohmann::json({"/srv/conf:/conf:ro"}));
  EXPECT_EQ(body["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"], "18080");
  EXPECT_EQ(body["HostConfig"]["RestartPolicy"]["Name"], "always");
  ASSERT_EQ(body["HostConfig"]["Mounts"].size(), 1u);
  EXPECT_EQ(body["HostConfig"]["Mounts"][0]["Source"], "app-data");
  EXPECT_EQ(body["HostConfig"]["Mounts"][0]["Target"], "/data");
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["appnet"]["Aliases"], nlohmann::json({"db"}));
  ASSERT_EQ(plan->extra_networks.size(), 1u);
  EXPECT_EQ(plan->extra_networks[0].first, "other");
}

TEST(BytePipe, CarriesEverythingInOrderWithBoundedMemory) {
  BytePipe pipe(1024);
  std::string sent, received;
  for (int i = 0; i < 2000; ++i) sent += std::to_string(i) + ",";
  std::jthread writer([&] {
    for (std::size_t at = 0; at < sent.size(); at += 100)
      EXPECT_TRUE(pipe.write(std::string_view(sent).substr(at, 100)));
    pipe.close();
  });
  char buffer[77];
  while (std::size_t n = pipe.read(buffer, sizeof buffer)) received.append(buffer, n);
  writer.join();
  EXPECT_EQ(received, sent);
}

TEST(BytePipe, AbortStopsABlockedWriter) {
  BytePipe pipe(10);
  ASSERT_TRUE(pipe.write("0123456789"));
  bool second = true;
  std::jthread writer([&] { second = pipe.write("more"); });
  pipe.abort();
  writer.join();
  EXPECT_FALSE(second);
}

TEST(BytePipe, ASmallWriteReachesAWaitingReaderAtClose) {
  // Readers are woken per batch (an eighth of the ring), not per write: what is left below a batch must
  // still arrive when the writer closes.
  BytePipe pipe(1024);
  std::string received;
  std::jthread reader([&] {
    char buffer[64];
    while (std::size_t n = pipe.read(buffer, sizeof buffer)) received.append(buffer, n);
  });
  ASSERT_TRUE(pipe.write("abc"));
  ASSERT_TRUE(pipe.write(std::string(3000, 'x')));  // more than the ring: goes in parts
  pipe.close();
  reader.join();
  EXPECT_EQ(received, "abc" + std::string(3000, 'x'));
}

TEST(TarScan, ASparseEntryHashesLikeTheFileItStandsFor) {
  // pax sparse entry: 4 KiB of data at 1 MiB, holes around it and at the end (the file is 3 MiB).
  std::string logical(3u << 20, '\0');
  std::fill_n(logical.begin() + (1 << 20), 4096, 's');
  std::string tar;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_open(
      a, &tar, nullptr,
      [](struct archive*, void* out, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(out)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "volume/sparse.img");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(logical.size()));
  archive_entry_sparse_add_entry(e, 1 << 20, 4096);
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
  archive_write_data(a, logical.data(), logical.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  ASSERT_LT(tar.size(), 1u << 20) << "the holes are not in the archive";

  std::size_t at = 0;
  auto scan = scanTar(
      [&](char* buffer, std::size_t size) {
        std::size_t n = std::min(size, tar.size() - at);
        std::memcpy(buffer, tar.data() + at, n);
        at += n;
        return n;
      },
      "sparse");
  ASSERT_TRUE(scan) << scan.error().message;
  ASSERT_EQ(scan->entries.size(), 1u);
  EXPECT_EQ(scan->entries[0].size, static_cast<std::int64_t>(logical.size()));
  EXPECT_EQ(scan->entries[0].sha256, Sha256::of(logical));
}

TEST(AtomicFile, OnlyCommitGivesTheFinalName) {
  ScopedTempDir dir("atomic");
  std::string path = dir.path() + "/b.tar.zst";
  {
    auto f = AtomicFile::create(path);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->write("partial"));
    EXPECT_TRUE(std::filesystem::exists(f->partialPath()));
    EXPECT_TRUE(isPartialFileName(std::filesystem::path(f->partialPath()).filename().string()));
  }  // destroyed without commit
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  ASSERT_TRUE(writeFileAtomic(path, "whole"));
  EXPECT_EQ(testing::readText(path), "whole");
}

// A backup file written by ArchiveWriter reads back entry for entry; one flipped byte or a cut is caught.
TEST(ArchiveWriter, ZstdArchiveReadsBackAndDamageIsCaught) {
  ScopedTempDir dir("archive");
  std::string tar = testing::makeTar({{"volume/a.txt", "alpha"}, {"volume/sub/b.bin", std::string(300000, 'b')}});
  std::string path = dir.path() + "/x.tar.zst";
  auto w = ArchiveWriter::create(path, Compression::kZstd);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(tar));
  ASSERT_TRUE((*w)->finish());
  auto scan = scanTarFile(path);
  ASSERT_TRUE(scan) << scan.error().message;
  ASSERT_EQ(scan->files, 2);
  EXPECT_EQ(scan->entries[0].path, "a.txt");
  EXPECT_EQ(scan->entries[1].size, 300000);

  std::string bytes = testing::readText(path);
  {
    std::string cut = bytes.substr(0, bytes.size() / 2);
    std::ofstream(dir.path() + "/cut.tar.zst", std::ios::binary) << cut;
    EXPECT_FALSE(scanTarFile(dir.path() + "/cut.tar.zst"));
  }
  auto reader = DecompressedReader::open(path);
  ASSERT_TRUE(reader);
  char buffer[4096];
  std::string plain;
  while (std::size_t n = reader->read(buffer, sizeof buffer)) plain.append(buffer, n);
  EXPECT_EQ(plain, tar);
  EXPECT_EQ(reader->fileSha256(), (*w)->sha256());
}

}  // namespace
}  // namespace shipshape::volumes
