#include "common/base64.h"

#include <openssl/evp.h>

namespace shipshape {

std::optional<std::string> base64Decode(std::string_view text) {
  std::string padded;
  padded.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') c = '+';  // URL-safe alphabet (JWTs)
    if (c == '_') c = '/';
    if (c != '\n' && c != '\r') padded.push_back(c);
  }
  while (padded.size() % 4 != 0) padded.push_back('=');
  std::string out(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes that padding stands for; drop them.
  std::size_t padding = 0;
  for (std::size_t i = padded.size(); i > 0 && padded[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<std::size_t>(n) - std::min<std::size_t>(padding, static_cast<std::size_t>(n)));
  return out;
}

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace shipshape
