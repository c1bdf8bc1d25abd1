#include "registry/credential_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/file.h"
#include "registry/docker_config.h"

namespace shipshape::registry {

using nlohmann::json;

namespace {

// An exclusive flock on DIR/.lock for a read-modify-write: two `docker login`s at once lose nothing.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) : fd_(::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

Result<void> ensurePrivateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return fail(ErrorCode::kIo, "chmod 0700 " + dir + ": " + std::strerror(errno));
  return {};
}

}  // namespace

std::string CredentialStore::defaultDir() {
  if (const char* d = std::getenv("SHIPSHAPE_CREDENTIALS_DIR"); d && *d) return d;
  if (::geteuid() == 0) return "/etc/shipshape/credentials";
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/shipshape/credentials";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.config/shipshape/credentials";
}

Result<std::map<std::string, StoredCredential>> CredentialStore::load() const {
  std::map<std::string, StoredCredential> entries;
  struct stat st {};
  if (::stat(file().c_str(), &st) != 0) {
    if (errno == ENOENT) return entries;
    return fail(ErrorCode::kIo, file() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return fail(ErrorCode::kInvalidArgument, file() + " is readable by group or others (mode " + mode +
                                                 "); refusing to use it: chmod 600 it and rotate what it holds");
  }
  auto text = readFile(file());
  if (!text) return fail(text.error());
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(ErrorCode::kInvalidArgument, file() + ": not a JSON object");
  for (const auto& [key, e] : doc.items()) {
    if (!e.is_object()) continue;
    entries[key] = StoredCredential{e.value("ServerURL", key), e.value("Username", ""), e.value("Secret", ""),
                                    e.value("SecretFile", "")};
  }
  return entries;
}

Result<void> CredentialStore::save(const std::map<std::string, StoredCredential>& entries) {
  json doc = json::object();
  for (const auto& [key, c] : entries) {
    json e = {{"ServerURL", c.server_url}, {"Username", c.username}};
    if (!c.secret_file.empty()) {
      e["SecretFile"] = c.secret_file;
    } else {
      e["Secret"] = c.secret;
    }
    doc[key] = e;
  }
  return writeFileAtomic(file(), doc.dump(2) + "\n", 0600);
}

Result<void> CredentialStore::store(const StoredCredential& credential) {
  if (auto made = ensurePrivateDir(dir_); !made) return made;
  DirLock lock(dir_);
  if (!lock.ok()) return fail(ErrorCode::kIo, "cannot lock " + dir_ + "/.lock: " + std::strerror(errno));
  auto entries = load();
  if (!entries) return fail(entries.error());
  (*entries)[normalizeRegistry(credential.server_url)] = credential;
  return save(*entries);
}

Result<std::optional<StoredCredential>> CredentialStore::get(std::string_view server_url) const {
  auto entries = load();
  if (!entries) return fail(entries.error());
  auto it = entries->find(normalizeRegistry(server_url));
  if (it == entries->end()) return std::optional<StoredCredential>();
  StoredCredential c = it->second;
  if (!c.secret_file.empty()) {
    auto secret = readFile(c.secret_file);
    if (!secret) return fail(secret.error().wrap("reading the secret file of " + it->first));
    c.secret = *secret;
    while (!c.secret.empty() && (c.secret.back() == '\n' || c.secret.back() == '\r')) c.secret.pop_back();
  }
  return std::optional<StoredCredential>(c);
}

Result<bool> CredentialStore::erase(std::string_view server_url) {
  if (!std::filesystem::exists(file())) return false;
  DirLock lock(dir_);
  auto entries = load();
  if (!entries) return fail(entries.error());
  if (entries->erase(normalizeRegistry(server_url)) == 0) return false;
  if (auto saved = save(*entries); !saved) return fail(saved.error());
  return true;
}

Result<std::map<std::string, std::string>> CredentialStore::list() const {
  auto entries = load();
  if (!entries) return fail(entries.error());
  std::map<std::string, std::string> out;
  for (const auto& [key, c] : *entries) out[c.server_url] = c.username;
  return out;
}

}  // namespace shipshape::registry
