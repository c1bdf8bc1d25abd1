// Writes a byte stream (the engine's tar) to a backup file, compressed by libarchive's zstd (multi-threaded)
// or gzip filter, or as is; hashes and counts what reaches the disk. The file only takes its final name in
// finish(): an unfinished writer leaves no file that looks whole (common/file.h's AtomicFile).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/file.h"
#include "common/result.h"
#include "common/sha256.h"

namespace shipshape::volumes {

enum class Compression { kZstd, kGzip, kNone };
Result<Compression> parseCompression(std::string_view name);
const char* compressionName(Compression c);
const char* compressionSuffix(Compression c);  // ".tar.zst", ".tar.gz", ".tar"

class ArchiveWriter {
 public:
  static Result<std::unique_ptr<ArchiveWriter>> create(const std::string& path, Compression compression);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  Result<void> write(std::string_view data);
  // Flushes the compressor, fsyncs, renames into place.
  Result<void> finish();

  std::int64_t bytesWritten() const { return bytes_out_; }
  // sha256 of the file as written; valid after finish().
  const std::string& sha256() const { return sha256_; }

 private:
  ArchiveWriter(AtomicFile file) : file_(std::move(file)) {}
  friend struct ArchiveWriterAccess;
  AtomicFile file_;
  void* archive_ = nullptr;  // struct archive*
  Sha256 hash_;
  std::string sha256_;
  std::int64_t bytes_out_ = 0;
  std::string write_error_;
};

}  // namespace shipshape::volumes
