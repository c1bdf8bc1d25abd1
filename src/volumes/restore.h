// Reading a volume's entries back, copying a volume into another, restoring a backup into a volume, and
// verifying a backup — all through helper containers and the archive endpoint, streamed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"
#include "volumes/backup_catalog.h"
#include "volumes/tar_scan.h"

namespace shipshape::volumes {

// Every entry of `volume`, with each file's sha256 (`max_entries` > 0: stop early).
Result<TarScan> scanVolume(docker::Client& client, const std::string& volume, std::size_t max_entries = 0,
                           docker::Cancel cancel = nullptr);
// `volume` compared with `expected`, entry by entry; the error is the first difference. Where the engine's
// directory of the volume can be read on this host (a local engine, the local driver), it is read there —
// several times faster than streaming it back out of the engine; a difference seen there is confirmed through
// the engine, which stays the authority. `method` says which read decided: "host" or "engine".
Result<TarScan> checkVolume(docker::Client& client, const std::string& volume,
                            const std::vector<ManifestEntry>& expected, std::string& method,
                            docker::Cancel cancel = nullptr);
Result<bool> volumeIsEmpty(docker::Client& client, const std::string& volume);

// Streams `from`'s content into the existing volume `to` (GET archive -> PUT archive, no copy on disk).
Result<std::int64_t> copyVolume(docker::Client& client, const std::string& from, const std::string& to);

// A backup checked against its manifest: the archive's sha256, then every entry (type, mode, owner, size,
// sha256, link targets) as read back from the archive or the restic snapshot. The error names the first
// difference.
Result<void> verifyBackup(const BackupRecord& record);

struct RestoreOptions {
  std::string dir;     // where backups are
  std::string backup;  // as findBackup takes it
  std::string volume;  // the target
  bool force = false;  // a non-empty target: restore beside it, verify, then replace it
  std::function<void(std::int64_t)> progress;
  docker::Cancel cancel = nullptr;  // set: the transfer stops (a watch shutting down)
};

struct RestoreResult {
  std::string backup_id;
  std::string volume;
  bool created = false;          // the target volume did not exist
  bool resumed = false;          // an interrupted restore of the same backup was completed
  std::string previous_content;  // --force: the backup taken of what the target held before
  std::int64_t tar_bytes = 0, files = 0;
  double restore_seconds = 0, verify_seconds = 0;
  std::string verified_by;  // "host": the volume's files read on this host; "engine": read back through it
};

Result<RestoreResult> runRestore(docker::Client& client, const RestoreOptions& options);

// A restore into `volume` that was killed before its read-back check passed: the backup it was restoring.
std::string restoreJournalPath(const std::string& dir, const std::string& volume);
std::optional<std::string> interruptedRestore(const std::string& dir, const std::string& volume);

}  // namespace shipshape::volumes
