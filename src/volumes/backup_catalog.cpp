#include "volumes/backup_catalog.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/file.h"

namespace shipshape::volumes {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kManifestSuffix = ".manifest.json";
constexpr std::string_view kRestoreTestSuffix = ".restore-test.json";

std::string restoreTestPath(const std::string& manifest_path) {
  return manifest_path.substr(0, manifest_path.size() - kManifestSuffix.size()) + std::string(kRestoreTestSuffix);
}

// A damaged record of a test is no test: it is ignored (the next one replaces it), never fatal to a listing.
std::optional<RestoreTest> loadRestoreTest(const std::string& manifest_path) {
  auto text = readFile(restoreTestPath(manifest_path));
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RestoreTest t;
  t.at = j.value("at", "");
  t.ok = j.value("ok", false);
  t.detail = j.value("detail", "");
  t.seconds = j.value("seconds", 0.0);
  return t;
}

std::time_t parseStamp(const std::string& created) {
  std::tm tm{};
  if (strptime(created.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return 0;
  return timegm(&tm);
}

// Two backups in the same second are "<stamp>" and "<stamp>.1", ".2", …: the suffix orders them.
int sequenceOf(std::string_view id) {
  auto dot = id.rfind('.');
  auto at = id.rfind('@');
  if (dot == std::string_view::npos || (at != std::string_view::npos && dot < at)) return 0;
  return std::atoi(std::string(id.substr(dot + 1)).c_str());
}

bool olderThan(const BackupRecord& a, const BackupRecord& b) {
  return std::make_tuple(a.created, sequenceOf(a.id), a.manifest_path) <
         std::make_tuple(b.created, sequenceOf(b.id), b.manifest_path);
}

Result<BackupRecord> loadRecord(const fs::path& manifest_path) {
  auto text = readFile(manifest_path.string());
  if (!text) return fail(text.error());
  auto m = manifestFromJson(*text, manifest_path.string());
  if (!m) return fail(m.error());
  BackupRecord r;
  r.manifest_path = manifest_path.string();
  if (!m->archive.empty()) r.archive_path = (manifest_path.parent_path() / m->archive).string();
  std::string name = manifest_path.filename().string();
  r.id = m->volume + "@" + name.substr(0, name.size() - kManifestSuffix.size());
  r.created = parseStamp(m->created);
  r.manifest = std::move(*m);
  r.restore_test = loadRestoreTest(r.manifest_path);
  return r;
}

}  // namespace

Result<std::vector<BackupRecord>> listBackups(const std::string& dir, const std::string& volume) {
  std::vector<BackupRecord> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& vol_dir : fs::directory_iterator(dir, ec)) {
    if (!vol_dir.is_directory()) continue;
    if (!volume.empty() && vol_dir.path().filename() != volume) continue;
    for (const auto& f : fs::directory_iterator(vol_dir.path(), ec)) {
      std::string name = f.path().filename().string();
      if (isPartialFileName(name) || !name.ends_with(kManifestSuffix)) continue;
      auto record = loadRecord(f.path());
      if (!record) return fail(record.error());
      out.push_back(std::move(*record));
    }
  }
  if (ec) return fail(ErrorCode::kIo, "cannot list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), olderThan);
  return out;
}

Result<BackupRecord> findBackup(const std::string& dir, const std::string& reference) {
  fs::path p(reference);
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    std::string name = p.filename().string();
    if (name.ends_with(kManifestSuffix)) return loadRecord(p);
    // An archive: its manifest has the same timestamp.
    for (std::string_view suffix : {".tar.zst", ".tar.gz", ".tar"}) {
      if (name.ends_with(suffix)) {
        auto manifest = p.parent_path() / (name.substr(0, name.size() - suffix.size()) + std::string(kManifestSuffix));
        if (fs::exists(manifest)) return loadRecord(manifest);
        return fail(ErrorCode::kNotFound, reference + ": no manifest next to it (" + manifest.string() + ")");
      }
    }
    return fail(ErrorCode::kInvalidArgument, reference + ": neither a backup manifest nor a backup archive");
  }
  std::string volume = reference, stamp;
  if (auto at = reference.find('@'); at != std::string::npos) {
    volume = reference.substr(0, at);
    stamp = reference.substr(at + 1);
  }
  auto all = listBackups(dir, volume);
  if (!all) return fail(all.error());
  for (auto it = all->rbegin(); it != all->rend(); ++it) {
    if (it->manifest.volume == volume && (stamp.empty() || it->id == reference)) return *it;
  }
  return fail(ErrorCode::kNotFound, "no such backup: " + reference + " (in " + dir + ")");
}

std::vector<BackupRecord> prunePlan(const std::vector<BackupRecord>& records, const KeepPolicy& keep) {
  std::map<std::string, std::vector<const BackupRecord*>> by_volume;
  for (const auto& r : records) by_volume[r.manifest.volume].push_back(&r);
  std::vector<BackupRecord> remove;
  for (auto& entry : by_volume) {
    auto& list = entry.second;  // not a structured binding: the lambdas below refer to it
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return olderThan(*b, *a); });  // newest first
    std::set<const BackupRecord*> kept;
    for (int i = 0; i < keep.last && i < static_cast<int>(list.size()); ++i) kept.insert(list[i]);
    auto bucketed = [&](int count, auto bucket_of) {
      std::set<std::string> seen;
      for (const auto* r : list) {
        if (static_cast<int>(seen.size()) >= count) break;
        std::string b = bucket_of(r->created);
        if (seen.insert(b).second) kept.insert(r);
      }
    };
    auto format = [](std::time_t t, const char* f) {
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buffer[32];
      std::strftime(buffer, sizeof buffer, f, &tm);
      return std::string(buffer);
    };
    bucketed(keep.daily, [&](std::time_t t) { return format(t, "%Y-%m-%d"); });
    bucketed(keep.weekly, [&](std::time_t t) { return format(t, "%G-W%V"); });
    bucketed(keep.monthly, [&](std::time_t t) { return format(t, "%Y-%m"); });
    for (const auto* r : list) {
      if (!kept.contains(r)) remove.push_back(*r);
    }
  }
  return remove;
}

Result<void> recordRestoreTest(const BackupRecord& record, const RestoreTest& test) {
  nlohmann::json j = {
      {"backup", record.id}, {"at", test.at}, {"ok", test.ok}, {"detail", test.detail}, {"seconds", test.seconds}};
  return writeFileAtomic(restoreTestPath(record.manifest_path), j.dump(2) + "\n");
}

Result<void> deleteBackup(const BackupRecord& record) {
  std::error_code ec;
  fs::remove(record.manifest_path, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot remove " + record.manifest_path + ": " + ec.message());
  fs::remove(restoreTestPath(record.manifest_path), ec);
  if (ec) return fail(ErrorCode::kIo, "cannot remove " + record.manifest_path + ": " + ec.message());
  if (!record.archive_path.empty()) {
    fs::remove(record.archive_path, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot remove " + record.archive_path + ": " + ec.message());
  }
  return {};
}

}  // namespace shipshape::volumes
