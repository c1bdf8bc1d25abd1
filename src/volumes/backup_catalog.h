// The backups on disk: DIR/<volume>/<timestamp>.manifest.json (+ the archive it names, or a restic snapshot).
// A backup exists when its manifest does: the manifest is renamed into place last.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "volumes/manifest.h"

namespace shipshape::volumes {

// A test restore of a backup into a scratch volume, read back against the manifest (the guardian's weekly
// check): DIR/<volume>/<timestamp>.restore-test.json beside the manifest.
struct RestoreTest {
  std::string at;  // RFC 3339, UTC
  bool ok = false;
  std::string detail;  // the first difference, or the error
  double seconds = 0;
};

struct BackupRecord {
  std::string manifest_path;
  std::string archive_path;  // "" for a restic backup
  std::string id;            // "<volume>@<timestamp>"
  std::time_t created = 0;
  Manifest manifest;
  std::optional<RestoreTest> restore_test;  // the last one, if any
};

// Oldest first; `volume` empty = every volume. Unreadable manifests are errors naming the file.
Result<std::vector<BackupRecord>> listBackups(const std::string& dir, const std::string& volume = "");

// BACKUP as the user names it: a manifest or archive path, "<volume>@<timestamp>", or a volume's name (its
// newest backup).
Result<BackupRecord> findBackup(const std::string& dir, const std::string& reference);

struct KeepPolicy {
  int last = 0, daily = 0, weekly = 0, monthly = 0;
  bool any() const { return last > 0 || daily > 0 || weekly > 0 || monthly > 0; }
};

// restic's `forget` rules, per volume: keep the newest `last`, then the newest backup of each of the last
// `daily` days, `weekly` ISO weeks, `monthly` months (UTC) that have one. Returns what to delete.
std::vector<BackupRecord> prunePlan(const std::vector<BackupRecord>& records, const KeepPolicy& keep);

// Records `test` for `record` (written atomically; replaces an earlier one).
Result<void> recordRestoreTest(const BackupRecord& record, const RestoreTest& test);

// Deletes a backup: its manifest first (so it stops being listed), then its archive.
Result<void> deleteBackup(const BackupRecord& record);

}  // namespace shipshape::volumes
