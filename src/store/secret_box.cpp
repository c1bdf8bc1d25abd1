#include "store/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/file.h"

namespace shipshape::store {
namespace {

using json = nlohmann::json;
constexpr std::size_t kKeySize = 32, kNonceSize = 12, kTagSize = 16;
constexpr const char* kPrefix = "v1:";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string seal(const std::string& key, const std::string& plain) {
  std::string nonce(kNonceSize, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(kNonceSize));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plain.size() + kTagSize, '\0');
  int len = 0, total = 0;
  auto u = [](std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); };
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                     reinterpret_cast<const unsigned char*>(nonce.data()));
  EVP_EncryptUpdate(ctx.get(), u(out), &len, reinterpret_cast<const unsigned char*>(plain.data()),
                    static_cast<int>(plain.size()));
  total = len;
  EVP_EncryptFinal_ex(ctx.get(), u(out) + total, &len);
  total += len;
  std::string tag(kTagSize, '\0');
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), tag.data());
  out.resize(static_cast<std::size_t>(total));
  return kPrefix + base64Encode(nonce + out + tag);
}

Result<std::string> unseal(const std::string& key, const std::string& sealed) {
  auto bad = [] {
    return fail(ErrorCode::kProtocol, "a sealed Env does not open with this state directory's ledger.key");
  };
  if (!sealed.starts_with(kPrefix)) return bad();
  auto raw = base64Decode(sealed.substr(std::strlen(kPrefix)));
  if (!raw || raw->size() < kNonceSize + kTagSize) return bad();
  std::string nonce = raw->substr(0, kNonceSize);
  std::string tag = raw->substr(raw->size() - kTagSize);
  std::string ct = raw->substr(kNonceSize, raw->size() - kNonceSize - kTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(ct.size() + 1, '\0');
  int len = 0, total = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                     reinterpret_cast<const unsigned char*>(nonce.data()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(ct.data()), static_cast<int>(ct.size()));
  total = len;
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data());
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + total, &len) != 1) return bad();
  total += len;
  out.resize(static_cast<std::size_t>(total));
  return out;
}

bool isStringList(const json& j) {
  if (!j.is_array()) return false;
  for (const auto& e : j) {
    if (!e.is_string()) return false;
  }
  return true;
}

void sealWalk(json& j, const std::string& key) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "Env" && isStringList(it.value()) && !it.value().empty()) {
        it.value() = json{{"sealed", seal(key, it.value().dump())}};
      } else {
        sealWalk(it.value(), key);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) sealWalk(e, key);
  }
}

Result<void> openWalk(json& j, const std::string& key) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const json& v = it.value();
      if (it.key() == "Env" && v.is_object() && v.size() == 1 && v.contains("sealed") && v["sealed"].is_string()) {
        auto plain = unseal(key, v["sealed"].get<std::string>());
        if (!plain) return fail(plain.error());
        auto list = json::parse(*plain, nullptr, false);
        if (!isStringList(list)) return fail(ErrorCode::kProtocol, "a sealed Env is not a list of strings");
        it.value() = std::move(list);
      } else if (auto ok = openWalk(it.value(), key); !ok) {
        return ok;
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) {
      if (auto ok = openWalk(e, key); !ok) return ok;
    }
  }
  return {};
}

}  // namespace

Result<SecretBox> SecretBox::open(const std::string& state_dir) {
  std::string path = state_dir + "/ledger.key";
  SecretBox box;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    // First use: a new key, written whole and synced before anything is sealed with it.
    std::string key(kKeySize, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(kKeySize)) != 1) {
      ::close(fd);
      ::unlink(path.c_str());
      return fail(ErrorCode::kInternal, "no random bytes for " + path);
    }
    bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return fail(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(err));
    }
    box.key_ = std::move(key);
    return box;
  }
  if (errno != EEXIST) return fail(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  auto key = readFile(path);
  if (!key) return fail(key.error());
  if (key->size() != kKeySize) {
    return fail(ErrorCode::kProtocol, path + " is not a shipshape ledger key (" + std::to_string(key->size()) +
                                          " bytes; want " + std::to_string(kKeySize) + ")");
  }
  ::chmod(path.c_str(), 0600);
  box.key_ = std::move(*key);
  return box;
}

std::string SecretBox::sealEnv(const std::string& json_text) const {
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return json_text;
  sealWalk(j, key_);
  return j.dump();
}

Result<std::string> SecretBox::openEnv(const std::string& json_text) const {
  if (json_text.find("\"sealed\"") == std::string::npos) return json_text;  // nothing sealed: as it was stored
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return json_text;
  if (auto ok = openWalk(j, key_); !ok) return fail(ok.error());
  return j.dump();
}

}  // namespace shipshape::store
