// Secrets in file content, found as the bytes stream past: private keys, cloud keys and tokens by their
// published shapes, and the credential files tools leave behind (.npmrc, .docker/config.json, .env,
// .aws/credentials, .git-credentials, .netrc, .pypirc). A match records the kind and the line, never the value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shipshape::scan {

struct SecretHit {
  std::string kind;  // "RSA private key", "AWS access key ID", "npm token in .npmrc", ...
  int line = 0;      // 1-based, first occurrence
  int count = 1;     // occurrences of this kind in the file
};

// Feed a file's content in any chunking; hits() then lists one entry per kind.
class SecretMatcher {
 public:
  void feed(std::string_view chunk);
  void finish();
  const std::vector<SecretHit>& hits() const { return hits_; }

 private:
  void scanLine(std::string_view line);
  void record(std::string kind);

  std::string carry_;  // the unfinished line (bounded)
  int line_ = 1;
  std::vector<SecretHit> hits_;
};

// Whether the file at `path` (in the image, no leading '/') is a credential file by its name; such a file is
// read whole (it is small) and given to credentialFileHits.
bool isCredentialFile(std::string_view path);
std::vector<SecretHit> credentialFileHits(std::string_view path, std::string_view content);

}  // namespace shipshape::scan
