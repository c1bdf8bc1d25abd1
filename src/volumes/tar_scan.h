// Reading tar streams with libarchive: the entries of a volume as the engine's archive endpoint sends them
// (or as a backup file holds them, compressed or not), each file's content hashed as it passes. Nothing is
// extracted and nothing is kept but the entries: memory does not grow with the data.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <memory>

#include "common/byte_pipe.h"
#include "common/result.h"
#include "common/sha256.h"
#include "volumes/manifest.h"

namespace shipshape::volumes {

struct TarScan {
  std::vector<ManifestEntry> entries;
  std::int64_t files = 0, data_bytes = 0;
};

// Every entry of the tar read from `read` (any compression libarchive knows). Paths lose their first
// component (the engine names them after the copied directory: "volume/a/b" -> "a/b", "volume" -> ".").
// `what` names the stream in errors ("the archive of volume pgdata", a file's path).
// `max_entries` > 0 stops after that many entries (an emptiness check need not read the data).
Result<TarScan> scanTar(const ReadFn& read, const std::string& what, std::size_t max_entries = 0);
Result<TarScan> scanTarFile(const std::string& path);

// The tar inside a compressed backup file, decompressed, as a ReadFn source (for restore and restic).
class DecompressedReader {
 public:
  static Result<DecompressedReader> open(const std::string& path);
  DecompressedReader(DecompressedReader&&) noexcept;
  DecompressedReader& operator=(DecompressedReader&&) = delete;
  ~DecompressedReader();
  // Up to `size` bytes; 0 at the end. Errors (a truncated or corrupt file) are kept for error().
  std::size_t read(char* buffer, std::size_t size);
  const std::string& error() const { return error_; }
  // sha256 of the file's bytes (compressed, as on disk) read so far: the whole file's once read() returned 0.
  // Bytes libarchive did not need (after the last frame) are read and hashed first.
  std::string fileSha256();

  struct FileSource;

 private:
  DecompressedReader(void* archive, std::unique_ptr<FileSource> source, std::string path);
  void* archive_ = nullptr;  // struct archive*
  std::unique_ptr<FileSource> source_;
  std::string path_;
  std::string error_;
  bool done_ = false;
};

}  // namespace shipshape::volumes
