#include "registry/challenge.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace shipshape::registry {

using nlohmann::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<json> jwtClaims(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto payload = base64Decode(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  json claims = json::parse(*payload, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return std::nullopt;
  return claims;
}

// RFC 3339 ("2026-12-01T10:00:00Z", fractions ignored) to seconds since the epoch.
std::optional<std::int64_t> parseRfc3339(const std::string& text) {
  std::tm tm{};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

}  // namespace

Challenge parseChallenge(std::string_view header) {
  Challenge c;
  std::size_t i = 0;
  auto skipSpace = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
  };
  skipSpace();
  std::size_t start = i;
  while (i < header.size() && header[i] != ' ') ++i;
  c.scheme = lower(header.substr(start, i - start));
  while (i < header.size()) {
    skipSpace();
    std::size_t key_start = i;
    while (i < header.size() && header[i] != '=' && header[i] != ',') ++i;
    std::string key = lower(header.substr(key_start, i - key_start));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (i >= header.size() || header[i] == ',') {
      ++i;
      continue;
    }
    ++i;  // '='
    skipSpace();
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < header.size() && header[i] != ',') value += header[i++];
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    if (!key.empty()) c.params[key] = value;
    skipSpace();
    if (i < header.size() && header[i] == ',') ++i;
  }
  return c;
}

namespace {

// A numeric claim (seconds since the epoch for exp and iat).
std::optional<std::int64_t> jwtTime(std::string_view token, const char* claim) {
  auto claims = jwtClaims(token);
  if (!claims) return std::nullopt;
  auto it = claims->find(claim);
  if (it == claims->end() || !it->is_number()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

std::optional<std::int64_t> jwtExpiry(std::string_view token) { return jwtTime(token, "exp"); }

std::optional<std::int64_t> jwtIssuedAt(std::string_view token) { return jwtTime(token, "iat"); }

std::optional<std::vector<std::string>> jwtActions(std::string_view token, std::string_view repository) {
  auto claims = jwtClaims(token);
  if (!claims) return std::nullopt;
  std::vector<std::string> actions;
  auto access = claims->find("access");
  if (access == claims->end() || !access->is_array()) return actions;
  for (const auto& grant : *access) {
    if (!grant.is_object() || grant.value("type", "") != "repository" || grant.value("name", "") != repository)
      continue;
    if (auto a = grant.find("actions"); a != grant.end() && a->is_array()) {
      for (const auto& action : *a) {
        if (action.is_string()) actions.push_back(action.get<std::string>());
      }
    }
  }
  return actions;
}

std::optional<IssuedToken> parseTokenResponse(std::string_view body, std::int64_t now) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  IssuedToken t;
  if (doc.contains("token") && doc["token"].is_string()) t.token = doc["token"];
  if (t.token.empty() && doc.contains("access_token") && doc["access_token"].is_string()) t.token = doc["access_token"];
  if (t.token.empty()) return std::nullopt;
  if (doc.contains("refresh_token") && doc["refresh_token"].is_string()) t.refresh_token = doc["refresh_token"];
  if (auto exp = jwtExpiry(t.token)) {
    t.expires_at = exp;
  } else {
    std::int64_t issued = now;
    if (doc.contains("issued_at") && doc["issued_at"].is_string())
      issued = parseRfc3339(doc["issued_at"]).value_or(now);
    // The spec: a token without expires_in lasts 60 s.
    std::int64_t lifetime =
        doc.contains("expires_in") && doc["expires_in"].is_number() ? doc["expires_in"].get<std::int64_t>() : 60;
    t.expires_at = issued + lifetime;
  }
  return t;
}

}  // namespace shipshape::registry
