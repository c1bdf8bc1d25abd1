// `shipshape backup`: one volume's content, read through the engine's archive endpoint from a helper
// container (never through a container's stdout), streamed to a compressed archive or to restic while
// libarchive lists and hashes every entry for the manifest. Memory stays flat: the stream passes through a
// bounded pipe (common/byte_pipe.h) and nothing is buffered whole.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "docker/client.h"
#include "volumes/archive_writer.h"
#include "volumes/consistency.h"
#include "volumes/manifest.h"

namespace shipshape::volumes {

struct BackupOptions {
  std::string volume;
  std::string dir;  // backups go to DIR/<volume>/; the manifest always goes there (restic too)
  Compression compression = Compression::kZstd;
  ConsistencyMode consistency = ConsistencyMode::kAuto;
  std::string restic_repo;  // "restic:PATH" (or "restic:" for RESTIC_REPOSITORY); empty: a local archive
  // Called from the download's thread with the tar bytes read so far.
  std::function<void(std::int64_t)> progress;
  docker::Cancel cancel = nullptr;  // set: the copy stops, nothing is listed (a watch shutting down)
};

struct BackupResult {
  Manifest manifest;
  std::string manifest_path;
  std::string archive_path;  // empty for restic
};

Result<BackupResult> runBackup(docker::Client& client, const BackupOptions& options);

// The default backup directory: $SHIPSHAPE_BACKUP_DIR, else <state-dir>/backups.
std::string defaultBackupDir(const std::string& state_dir);

// "20261201T101500Z" for now, UTC (file names sort by time).
std::string backupTimestamp();

}  // namespace shipshape::volumes
