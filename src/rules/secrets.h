// Recognising secrets in names and values, and redacting them. A value is never printed: findings say
// "***" with its length. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace shipshape::rules {

// DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, API_KEY, client_secret ... but not GPG_KEY,
// PASSWORD_FILE or TOKEN_URL (a reference to a secret, not one).
bool isSecretName(std::string_view name);
// A literal that looks like a credential by itself: known token prefixes (ghp_, AKIA, xoxb-, glpat-,
// sk_live_, -----BEGIN ... PRIVATE KEY) or a long, high-entropy, mixed-class string. Never version pins,
// paths, URLs without credentials, or hex digests.
bool looksLikeSecretValue(std::string_view value);
// A URL or reference with a user:password@ part.
bool hasEmbeddedCredentials(std::string_view text);
// "***(23 chars)"
std::string redact(std::string_view value);

}  // namespace shipshape::rules
