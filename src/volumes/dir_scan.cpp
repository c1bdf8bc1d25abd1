#include "volumes/dir_scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace shipshape::volumes {
namespace {

Result<std::string> hashFile(const std::string& path, std::vector<char>& buffer) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  Sha256 hash;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return fail(ErrorCode::kIo, path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return hash.hexDigest();
}

}  // namespace

Result<TarScan> scanDirectory(const std::string& root, unsigned threads) {
  TarScan out;
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;  // hard links: the first path seen is the file
  std::vector<std::size_t> to_hash;                           // indexes of regular files in out.entries
  auto add = [&](const std::string& path, const std::string& rel) -> Result<void> {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
    if (S_ISSOCK(st.st_mode)) return {};
    ManifestEntry e;
    e.path = rel;
    e.type = entryTypeName(st.st_mode);
    e.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime = st.st_mtim.tv_sec;
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      e.link = std::filesystem::read_symlink(path, ec).string();
      if (ec) return fail(ErrorCode::kIo, path + ": " + ec.message());
    } else if (S_ISREG(st.st_mode)) {
      bool linked = false;
      if (st.st_nlink > 1) {
        auto [it, first] = first_name.try_emplace({st.st_dev, st.st_ino}, rel);
        if (!first) {
          e.type = "hardlink";
          e.link = it->second;
          linked = true;
        }
      }
      if (!linked) {
        e.size = st.st_size;
        ++out.files;
        out.data_bytes += st.st_size;
        to_hash.push_back(out.entries.size());
      }
    }
    out.entries.push_back(std::move(e));
    return {};
  };
  if (auto r = add(root, "."); !r) return fail(r.error());
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(root, std::filesystem::directory_options::none, ec);
  if (ec) return fail(ErrorCode::kIo, root + ": " + ec.message());
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string path = it->path().string();
    if (auto r = add(path, path.substr(root.size() + 1)); !r) return fail(r.error());
  }
  if (ec) return fail(ErrorCode::kIo, root + ": " + ec.message());

  // The files' contents, largest share of the work, on a few threads pulling from one counter.
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string error;
  auto work = [&] {
    std::vector<char> buffer(1u << 20);
    for (std::size_t i; (i = next.fetch_add(1)) < to_hash.size();) {
      ManifestEntry& e = out.entries[to_hash[i]];
      auto sha = hashFile(root + "/" + e.path, buffer);
      if (!sha) {
        std::lock_guard lock(error_mutex);
        if (error.empty()) error = sha.error().message;
        next = to_hash.size();
        return;
      }
      e.sha256 = std::move(*sha);
    }
  };
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) workers.emplace_back(work);
    work();
  }  // joined here
  if (!error.empty()) return fail(ErrorCode::kIo, error);
  return out;
}

}  // namespace shipshape::volumes
