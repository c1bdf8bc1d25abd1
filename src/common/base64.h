// Base64 decoding (standard and URL-safe, padding optional) for auth headers, JWTs and engine headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shipshape {

std::optional<std::string> base64Decode(std::string_view text);

// Standard alphabet, padded.
std::string base64Encode(std::string_view bytes);

}  // namespace shipshape
