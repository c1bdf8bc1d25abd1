// What a backup holds and how it was made: every entry of the volume (path, type, mode, owner, size, mtime,
// link target, sha256 of the content) and the archive's own checksum. Written next to the archive as
// `<timestamp>.manifest.json`; restore and verify compare a volume or an archive against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::volumes {

struct ManifestEntry {
  std::string path;        // relative to the volume's root; the root itself is "."
  std::string type;        // file | dir | symlink | hardlink | char | block | fifo | other
  std::uint32_t mode = 0;  // permission bits with setuid/setgid/sticky (07777)
  std::int64_t uid = 0, gid = 0;
  std::int64_t size = 0;
  std::int64_t mtime = 0;  // seconds since the epoch
  std::string link;        // symlink target, or the path a hard link points at
  std::string sha256;      // regular files only

  bool operator==(const ManifestEntry&) const = default;
};

// ManifestEntry::type for the file-type bits of a mode (S_IFMT; libarchive's AE_IF* are the same values),
// one vocabulary for entries read from a tar and from a directory. Hard links are told apart by the reader.
std::string entryTypeName(unsigned file_type);

struct Manifest {
  int format = 1;
  std::string volume;
  std::string created;  // UTC, 2026-12-01T10:00:00Z
  // Where the data is: an archive next to the manifest, or a restic snapshot.
  std::string archive;      // file name, relative to the manifest's directory; "" for restic
  std::string compression;  // zstd | gzip | none
  std::string archive_sha256;
  std::int64_t archive_bytes = 0;
  std::string restic_repository, restic_snapshot;
  std::int64_t tar_bytes = 0;  // the uncompressed tar as the engine sent it
  std::int64_t files = 0, data_bytes = 0;
  std::vector<std::string> containers;  // the containers that mounted the volume
  std::string image;                    // the first one's image
  std::string consistency;              // pause | stop | hook | none
  std::int64_t paused_ms = 0;           // how long writers were paused or stopped
  std::string hook_output;
  double seconds = 0;
  std::vector<ManifestEntry> entries;
};

std::string manifestToJson(const Manifest& manifest);
// `source` names the file in errors.
Result<Manifest> manifestFromJson(const std::string& text, const std::string& source);

// The first way `actual` differs from `expected` (entries matched by path; mtime is not compared: the engine
// sets directory times as it extracts), as "data/x: sha256 differs (...)"; nullopt when they agree.
std::optional<std::string> firstDifference(const std::vector<ManifestEntry>& expected,
                                           const std::vector<ManifestEntry>& actual);

}  // namespace shipshape::volumes
