// Files: reading a whole one, and writing one so that it is either complete or absent.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace shipshape {

Result<std::string> readFile(const std::string& path);

// A file written under a temporary name in the target's directory (".NAME.partial-PID") and renamed over
// the target only by commit(), after an fsync of the data and followed by one of the directory: a reader
// that sees the final name sees all of it. Destroyed without commit() (an error, an exception), the partial
// file is removed; killed, it leaves only a ".partial" name that no listing mistakes for a finished file.
class AtomicFile {
 public:
  static Result<AtomicFile> create(const std::string& path, int mode = 0600);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile();

  Result<void> write(std::string_view data);
  Result<void> commit();
  const std::string& path() const { return path_; }
  const std::string& partialPath() const { return partial_; }

 private:
  AtomicFile(std::string path, std::string partial, int fd)
      : path_(std::move(path)), partial_(std::move(partial)), fd_(fd) {}
  std::string path_, partial_;
  int fd_ = -1;
};

// The whole of `content` through an AtomicFile.
Result<void> writeFileAtomic(const std::string& path, std::string_view content, int mode = 0600);

// Whether `name` is an AtomicFile's leftover (a listing skips these).
bool isPartialFileName(std::string_view name);

}  // namespace shipshape
