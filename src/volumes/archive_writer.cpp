#include "volumes/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <thread>

namespace shipshape::volumes {

Result<Compression> parseCompression(std::string_view name) {
  if (name == "zstd") return Compression::kZstd;
  if (name == "gzip") return Compression::kGzip;
  if (name == "none") return Compression::kNone;
  return fail(ErrorCode::kInvalidArgument, "unknown compression '" + std::string(name) + "' (zstd, gzip or none)");
}

const char* compressionName(Compression c) {
  switch (c) {
    case Compression::kZstd: return "zstd";
    case Compression::kGzip: return "gzip";
    case Compression::kNone: return "none";
  }
  return "none";
}

const char* compressionSuffix(Compression c) {
  switch (c) {
    case Compression::kZstd: return ".tar.zst";
    case Compression::kGzip: return ".tar.gz";
    case Compression::kNone: return ".tar";
  }
  return ".tar";
}

struct ArchiveWriterAccess {
  static la_ssize_t onWrite(struct archive*, void* client, const void* buffer, size_t length) {
    auto* w = static_cast<ArchiveWriter*>(client);
    std::string_view data(static_cast<const char*>(buffer), length);
    if (auto r = w->file_.write(data); !r) {
      w->write_error_ = r.error().message;
      return -1;
    }
    w->hash_.update(data);
    w->bytes_out_ += static_cast<std::int64_t>(length);
    return static_cast<la_ssize_t>(length);
  }
};

namespace {

std::string archiveError(struct archive* a, const std::string& fallback) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : fallback;
}

}  // namespace

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::create(const std::string& path, Compression compression) {
  auto file = AtomicFile::create(path, 0600);
  if (!file) return fail(file.error());
  std::unique_ptr<ArchiveWriter> w(new ArchiveWriter(std::move(*file)));
  struct archive* a = archive_write_new();
  w->archive_ = a;
  // "raw": the tar the engine produced goes through unchanged (byte for byte what a restore sends back);
  // libarchive only compresses it.
  archive_write_set_format_raw(a);
  switch (compression) {
    case Compression::kZstd: {
      archive_write_add_filter_zstd(a);
      // Level 3 (zstd's default). The writer already has a thread of its own, and on a small host the engine
      // producing the tar and the manifest's hashing need the other cores: zstd's worker pool (which copies
      // every input block and wakes a thread per job) cost 2.5x the CPU of compressing in place on 2 cores.
      // Larger hosts give it half their cores.
      unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      unsigned workers = cores <= 2 ? 0 : cores / 2;
      archive_write_set_filter_option(a, "zstd", "compression-level", "3");
      archive_write_set_filter_option(a, "zstd", "threads", std::to_string(workers).c_str());
      break;
    }
    case Compression::kGzip: archive_write_add_filter_gzip(a); break;
    case Compression::kNone: archive_write_add_filter_none(a); break;
  }
  // No padding to 10 KiB blocks: the file's length is the compressor's output.
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, w.get(), nullptr, ArchiveWriterAccess::onWrite, nullptr) != ARCHIVE_OK) {
    return fail(ErrorCode::kIo, path + ": " + archiveError(a, "cannot start the compressor"));
  }
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "volume.tar");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  int rc = archive_write_header(a, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return fail(ErrorCode::kIo, path + ": " + archiveError(a, "cannot start the archive"));
  return w;
}

ArchiveWriter::~ArchiveWriter() {
  // Not finished: drop the compressor without flushing; AtomicFile's destructor removes the partial file.
  if (archive_ != nullptr) archive_write_free(static_cast<struct archive*>(archive_));
}

Result<void> ArchiveWriter::write(std::string_view data) {
  auto* a = static_cast<struct archive*>(archive_);
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a, data.data(), data.size());
    if (n <= 0) {
      std::string why = !write_error_.empty() ? write_error_ : archiveError(a, "compressor failed");
      return fail(ErrorCode::kIo, why);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> ArchiveWriter::finish() {
  auto* a = static_cast<struct archive*>(archive_);
  int rc = archive_write_close(a);
  archive_write_free(a);
  archive_ = nullptr;
  if (rc != ARCHIVE_OK) {
    return fail(ErrorCode::kIo, !write_error_.empty() ? write_error_ : std::string("cannot finish the archive"));
  }
  if (!write_error_.empty()) return fail(ErrorCode::kIo, write_error_);
  sha256_ = hash_.hexDigest();
  return file_.commit();
}

}  // namespace shipshape::volumes
