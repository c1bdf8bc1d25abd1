// The registry's 401 answer: `Www-Authenticate: Bearer realm="…",service="…",scope="…",error="…"` (or Basic),
// and the token a Bearer flow hands out — whose lifetime is read from the JWT's `exp` when it is one, and from
// the token response's `expires_in`/`issued_at` otherwise (the distribution spec calls tokens opaque).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shipshape::registry {

struct Challenge {
  std::string scheme;                         // "bearer" or "basic", lower-cased; "" when none was given
  std::map<std::string, std::string> params;  // realm, service, scope, error (keys lower-cased)
  std::string param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? "" : it->second;
  }
};

// Parses one header value; quoted strings may hold commas and \" escapes.
Challenge parseChallenge(std::string_view header);

// The JWT's `exp` (seconds since the epoch) when `token` is a JWS compact token carrying one.
std::optional<std::int64_t> jwtExpiry(std::string_view token);
// Its `iat` (seconds since the epoch), likewise.
std::optional<std::int64_t> jwtIssuedAt(std::string_view token);

// The actions the JWT's `access` claim grants on `repository` (empty when it is not a JWT or grants none).
std::optional<std::vector<std::string>> jwtActions(std::string_view token, std::string_view repository);

// A token endpoint's JSON answer.
struct IssuedToken {
  std::string token;                       // `token`, else `access_token`; never printed
  std::string refresh_token;               // when one came back
  std::optional<std::int64_t> expires_at;  // seconds since the epoch
};
std::optional<IssuedToken> parseTokenResponse(std::string_view body, std::int64_t now);

}  // namespace shipshape::registry
