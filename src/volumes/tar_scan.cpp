#include "volumes/tar_scan.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/sha256.h"

namespace shipshape::volumes {
namespace {

constexpr std::size_t kBlock = 1 << 20;

struct Source {
  const ReadFn* read;
  std::vector<char> buffer = std::vector<char>(kBlock);
};

la_ssize_t onRead(struct archive*, void* client, const void** block) {
  auto* s = static_cast<Source*>(client);
  *block = s->buffer.data();
  return static_cast<la_ssize_t>((*s->read)(s->buffer.data(), s->buffer.size()));
}

std::string stripFirst(const char* name) {
  std::string path = name == nullptr ? "" : name;
  while (path.starts_with("./")) path.erase(0, 2);
  auto slash = path.find('/');
  if (slash == std::string::npos) return ".";
  path.erase(0, slash + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path.empty() ? "." : path;
}

static_assert(AE_IFREG == S_IFREG && AE_IFDIR == S_IFDIR && AE_IFLNK == S_IFLNK && AE_IFCHR == S_IFCHR &&
                  AE_IFBLK == S_IFBLK && AE_IFIFO == S_IFIFO,
              "entryTypeName reads libarchive's file types as the kernel's");

void hashZeros(Sha256& hash, std::int64_t count) {
  static const std::string kZeros(64 * 1024, '\0');
  while (count > 0) {
    auto n = static_cast<std::size_t>(std::min<std::int64_t>(count, static_cast<std::int64_t>(kZeros.size())));
    hash.update(std::string_view(kZeros.data(), n));
    count -= static_cast<std::int64_t>(n);
  }
}

Result<TarScan> scan(struct archive* a, const std::string& what, std::size_t max_entries = 0) {
  TarScan out;
  for (;;) {
    if (max_entries > 0 && out.entries.size() >= max_entries) break;
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return fail(ErrorCode::kIo, what + ": " + (archive_error_string(a) ? archive_error_string(a) : "unreadable tar") +
                                      " after " + std::to_string(out.entries.size()) + " entries");
    }
    ManifestEntry e;
    e.path = stripFirst(archive_entry_pathname(entry));
    e.mode = static_cast<std::uint32_t>(archive_entry_perm(entry)) & 07777;
    e.uid = archive_entry_uid(entry);
    e.gid = archive_entry_gid(entry);
    e.mtime = archive_entry_mtime(entry);
    if (const char* hard = archive_entry_hardlink(entry); hard != nullptr) {
      e.type = "hardlink";
      e.link = stripFirst(hard);
    } else {
      e.type = entryTypeName(archive_entry_filetype(entry));
      if (e.type == "symlink" && archive_entry_symlink(entry) != nullptr) e.link = archive_entry_symlink(entry);
    }
    if (e.type == "file") {
      // Hashed where libarchive holds the data (no copy); the holes of a sparse entry count as the zeros a
      // reader of the file sees.
      Sha256 hash;
      std::int64_t size = 0;
      for (;;) {
        const void* block = nullptr;
        std::size_t length = 0;
        la_int64_t offset = 0;
        int got = archive_read_data_block(a, &block, &length, &offset);
        if (got == ARCHIVE_EOF) break;
        if (got < ARCHIVE_WARN) {
          return fail(ErrorCode::kIo, what + ": " + e.path + ": " +
                                          (archive_error_string(a) ? archive_error_string(a) : "unreadable data"));
        }
        hashZeros(hash, offset - size);
        hash.update(std::string_view(static_cast<const char*>(block), length));
        size = offset + static_cast<std::int64_t>(length);
      }
      if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > size) {
        hashZeros(hash, archive_entry_size(entry) - size);  // a sparse file ending in a hole
        size = archive_entry_size(entry);
      }
      e.size = size;
      e.sha256 = hash.hexDigest();
      ++out.files;
      out.data_bytes += size;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

struct archive* newReader() {
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  return a;
}

}  // namespace

Result<TarScan> scanTar(const ReadFn& read, const std::string& what, std::size_t max_entries) {
  Source source{&read};
  struct archive* a = newReader();
  if (archive_read_open(a, &source, nullptr, onRead, nullptr) != ARCHIVE_OK) {
    std::string why = archive_error_string(a) ? archive_error_string(a) : "cannot read";
    archive_read_free(a);
    return fail(ErrorCode::kIo, what + ": " + why);
  }
  auto result = scan(a, what, max_entries);
  archive_read_free(a);
  return result;
}

Result<TarScan> scanTarFile(const std::string& path) {
  struct archive* a = newReader();
  if (archive_read_open_filename(a, path.c_str(), kBlock) != ARCHIVE_OK) {
    std::string why = archive_error_string(a) ? archive_error_string(a) : "cannot open";
    archive_read_free(a);
    return fail(ErrorCode::kIo, path + ": " + why);
  }
  auto result = scan(a, path);
  archive_read_free(a);
  return result;
}

// The backup file, hashed as libarchive reads it: a restore checks the archive's checksum in the same pass.
struct DecompressedReader::FileSource {
  std::FILE* file = nullptr;
  std::vector<char> buffer = std::vector<char>(kBlock);
  Sha256 hash;
  ~FileSource() {
    if (file != nullptr) std::fclose(file);
  }
  static la_ssize_t read(struct archive* a, void* client, const void** block) {
    auto* s = static_cast<FileSource*>(client);
    std::size_t n = std::fread(s->buffer.data(), 1, s->buffer.size(), s->file);
    if (n == 0 && std::ferror(s->file)) {
      archive_set_error(a, errno, "read error");
      return -1;
    }
    s->hash.update(std::string_view(s->buffer.data(), n));
    *block = s->buffer.data();
    return static_cast<la_ssize_t>(n);
  }
};

DecompressedReader::DecompressedReader(void* archive, std::unique_ptr<FileSource> source, std::string path)
    : archive_(archive), source_(std::move(source)), path_(std::move(path)) {}

Result<DecompressedReader> DecompressedReader::open(const std::string& path) {
  auto source = std::make_unique<FileSource>();
  source->file = std::fopen(path.c_str(), "rbe");
  if (source->file == nullptr) {
    return fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                "cannot read " + path + ": " + std::strerror(errno));
  }
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  struct archive_entry* entry = nullptr;
  if (archive_read_open(a, source.get(), nullptr, FileSource::read, nullptr) != ARCHIVE_OK ||
      archive_read_next_header(a, &entry) != ARCHIVE_OK) {
    std::string why = archive_error_string(a) ? archive_error_string(a) : "cannot open";
    archive_read_free(a);
    return fail(ErrorCode::kIo, path + ": " + why);
  }
  return DecompressedReader(a, std::move(source), path);
}

DecompressedReader::DecompressedReader(DecompressedReader&& other) noexcept
    : archive_(other.archive_),
      source_(std::move(other.source_)),
      path_(std::move(other.path_)),
      error_(std::move(other.error_)),
      done_(other.done_) {
  other.archive_ = nullptr;
}

DecompressedReader::~DecompressedReader() {
  if (archive_ != nullptr) archive_read_free(static_cast<struct archive*>(archive_));
}

std::string DecompressedReader::fileSha256() {
  for (;;) {
    std::size_t n = std::fread(source_->buffer.data(), 1, source_->buffer.size(), source_->file);
    if (n == 0) break;
    source_->hash.update(std::string_view(source_->buffer.data(), n));
  }
  return source_->hash.hexDigest();
}

std::size_t DecompressedReader::read(char* buffer, std::size_t size) {
  if (done_) return 0;
  auto* a = static_cast<struct archive*>(archive_);
  la_ssize_t n = archive_read_data(a, buffer, size);
  if (n < 0) {
    error_ = path_ + ": " + (archive_error_string(a) ? archive_error_string(a) : "unreadable");
    done_ = true;
    return 0;
  }
  if (n == 0) done_ = true;
  return static_cast<std::size_t>(n);
}

}  // namespace shipshape::volumes
