// Engine API versions ("1.41") and the range this client speaks.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace shipshape::docker {

struct ApiVersion {
  int major = 1;
  int minor = 0;

  static std::optional<ApiVersion> parse(std::string_view text);
  std::string toString() const;
  auto operator<=>(const ApiVersion&) const = default;
};

// 1.41 is Docker 20.10, Debian 12's engine; 1.47 is Docker 27. Newer engines accept older versions,
// so we speak at most kMaxApiVersion and never below kMinApiVersion.
inline constexpr ApiVersion kMinApiVersion{1, 41};
inline constexpr ApiVersion kMaxApiVersion{1, 47};

// The version to use with an engine that reports `server` (from /_ping's Api-Version header).
ApiVersion negotiateVersion(ApiVersion server);

}  // namespace shipshape::docker
