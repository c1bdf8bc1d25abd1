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
// Whether NAME=VALUE puts a secret in plain sight: a credential-like value (or a URL with a password in it,
// whatever the name), or a secret's name with a literal value. Not secrets: references to them (a file path
// such as /run/secrets/db_password) and switches about them (MYSQL_ALLOW_EMPTY_PASSWORD=yes,
// MYSQL_RANDOM_ROOT_PASSWORD=1).
bool isSecretAssignment(std::string_view name, std::string_view value);

// "***(23 chars)"
std::string redact(std::string_view value);

}  // namespace shipshape::rules
