// Identity tokens (OAuth2 refresh tokens: what `docker login` keeps, as username "<token>", for a registry
// whose token server speaks OAuth) renewed ahead of their expiry. When 75 % of a token's lifetime (its JWT
// `iat` to `exp`) has passed, docker-credential-shipshape trades it at the registry's token endpoint for a
// new one and keeps that, so a pipeline that pushes once a week never meets an expired login — the
// "rotated automatically" of scenario 6. An opaque token (no `iat`/`exp`) is never refreshed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shipshape::registry {

inline constexpr double kRefreshAtFraction = 0.75;

// Whether `token` is a JWT with `iat` and `exp` and `now` (seconds since the epoch) is at or past
// iat + fraction × (exp − iat).
bool refreshDue(std::string_view token, std::int64_t now, double fraction = kRefreshAtFraction);

// Finds the token endpoint from the registry's own /v2/ challenge (https, or plain http for a loopback
// registry that does not speak TLS) and POSTs grant_type=refresh_token with access_type=offline. Returns the
// new refresh token; errors name the endpoint and what it answered, never the token.
Result<std::string> refreshIdentityToken(const std::string& server_url, const std::string& token,
                                         std::chrono::milliseconds timeout);

}  // namespace shipshape::registry
