#include "docker/api_version.h"

#include <charconv>

namespace shipshape::docker {

std::optional<ApiVersion> ApiVersion::parse(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  ApiVersion v;
  auto major_end = text.data() + dot;
  auto [p1, e1] = std::from_chars(text.data(), major_end, v.major);
  if (e1 != std::errc() || p1 != major_end) return std::nullopt;
  auto [p2, e2] = std::from_chars(major_end + 1, text.data() + text.size(), v.minor);
  if (e2 != std::errc() || p2 != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string ApiVersion::toString() const { return std::to_string(major) + "." + std::to_string(minor); }

ApiVersion negotiateVersion(ApiVersion server) { return server < kMaxApiVersion ? server : kMaxApiVersion; }

}  // namespace shipshape::docker
