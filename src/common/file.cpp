#include "common/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shipshape {

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                       "cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

Error ioError(const std::string& what, int err) {
  return Error{ErrorCode::kIo, what + ": " + std::strerror(err) + " (errno " + std::to_string(err) + ")"};
}

}  // namespace

Result<AtomicFile> AtomicFile::create(const std::string& path, int mode) {
  std::filesystem::path target(path);
  std::string partial =
      (target.parent_path() / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()))).string();
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(ioError("cannot create " + partial, errno));
  return AtomicFile(path, partial, fd);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)), partial_(std::move(other.partial_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.partial_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!partial_.empty()) ::unlink(partial_.c_str());
}

Result<void> AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ioError("cannot write " + partial_, errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> AtomicFile::commit() {
  if (::fsync(fd_) != 0) return fail(ioError("cannot fsync " + partial_, errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return fail(ioError("cannot close " + partial_, errno));
  }
  fd_ = -1;
  if (::rename(partial_.c_str(), path_.c_str()) != 0) return fail(ioError("cannot rename to " + path_, errno));
  partial_.clear();
  // The rename itself must survive a crash: sync the directory that holds the name.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<void> writeFileAtomic(const std::string& path, std::string_view content, int mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return fail(file.error());
  if (auto w = file->write(content); !w) return w;
  return file->commit();
}

bool isPartialFileName(std::string_view name) {
  return name.starts_with(".") && name.find(".partial-") != std::string_view::npos;
}

}  // namespace shipshape
