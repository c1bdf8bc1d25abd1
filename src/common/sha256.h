// Incremental SHA-256 (OpenSSL's EVP), for checksums of streamed data: backups, manifests, layers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace shipshape {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view data);
  // 64 lower-case hex digits; the hash cannot be updated afterwards.
  std::string hexDigest();

  static std::string of(std::string_view data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace shipshape
