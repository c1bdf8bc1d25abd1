#include "scan/secret_patterns.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "rules/secrets.h"

namespace shipshape::scan {
namespace {

// A line longer than this is scanned in pieces (minified files, binaries that slipped through); the tail
// kept between pieces is longer than any token's shape.
constexpr std::size_t kMaxLine = 64 * 1024;
constexpr std::size_t kOverlap = 160;

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool isUpperOrDigit(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

// `n` characters of `pred` from `pos`, and not one more (a token's shape has a fixed length or a minimum).
template <typename Pred>
bool runOf(std::string_view s, std::size_t pos, std::size_t n, Pred pred, bool exact) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!pred(s[pos + i])) return false;
  return !exact || pos + n == s.size() || !pred(s[pos + n]);
}

bool wordStart(std::string_view s, std::size_t pos) { return pos == 0 || !isAlnum(s[pos - 1]); }

struct TokenShape {
  std::string_view prefix, kind;
  std::size_t length;  // characters after the prefix
  bool exact;          // exactly `length` (else at least)
  bool (*pred)(char);
};

bool tokenChar(char c) { return isAlnum(c); }
bool tokenCharDash(char c) { return isAlnum(c) || c == '-' || c == '_'; }

constexpr TokenShape kShapes[] = {
    {"AKIA", "AWS access key ID", 16, true, isUpperOrDigit},
    {"ASIA", "AWS temporary access key ID", 16, true, isUpperOrDigit},
    {"ghp_", "GitHub personal access token", 36, true, tokenChar},
    {"gho_", "GitHub OAuth token", 36, true, tokenChar},
    {"ghu_", "GitHub user-to-server token", 36, true, tokenChar},
    {"ghs_", "GitHub server-to-server token", 36, true, tokenChar},
    {"ghr_", "GitHub refresh token", 36, true, tokenChar},
    {"github_pat_", "GitHub fine-grained token", 82, true, tokenCharDash},
    {"glpat-", "GitLab personal access token", 20, false, tokenCharDash},
    {"xoxb-", "Slack bot token", 20, false, tokenCharDash},
    {"xoxp-", "Slack user token", 20, false, tokenCharDash},
    {"sk_live_", "Stripe secret key", 24, false, tokenChar},
    {"AIza", "Google API key", 35, true, tokenCharDash},
    {"npm_", "npm access token", 36, true, tokenChar},
};

std::string_view baseName(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void addHit(std::vector<SecretHit>& hits, std::string kind, int line) {
  for (auto& h : hits)
    if (h.kind == kind) {
      ++h.count;
      return;
    }
  hits.push_back({std::move(kind), line, 1});
}

// A value that is a placeholder, not a secret: empty, ${VAR}, "changeme"-like words are still secrets to us,
// but an interpolation is not.
bool isReference(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return v.empty() || v.starts_with("${") || v.starts_with("$") || v.starts_with("%(");
}

}  // namespace

void SecretMatcher::record(std::string kind) { addHit(hits_, std::move(kind), line_); }

void SecretMatcher::scanLine(std::string_view line) {
  // Private keys: "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", ...
  for (std::size_t pos = line.find("-----BEGIN "); pos != std::string_view::npos;
       pos = line.find("-----BEGIN ", pos + 1)) {
    std::size_t start = pos + 11;
    auto end = line.find("PRIVATE KEY-----", start);
    if (end == std::string_view::npos || end - start > 24) continue;
    std::string_view algo = trim(line.substr(start, end - start));
    if (!std::all_of(algo.begin(), algo.end(),
                     [](char c) { return std::isupper(static_cast<unsigned char>(c)) || c == ' '; }))
      continue;
    if (algo == "ENCRYPTED")
      record("encrypted private key");
    else
      record(algo.empty() ? "private key" : std::string(algo) + " private key");
  }
  for (const auto& shape : kShapes) {
    for (std::size_t pos = line.find(shape.prefix); pos != std::string_view::npos;
         pos = line.find(shape.prefix, pos + 1)) {
      if (!wordStart(line, pos)) continue;
      if (runOf(line, pos + shape.prefix.size(), shape.length, shape.pred, shape.exact))
        record(std::string(shape.kind));
    }
  }
}

void SecretMatcher::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      carry_.append(chunk);
      if (carry_.size() > kMaxLine) {
        scanLine(carry_);
        carry_.erase(0, carry_.size() - kOverlap);
      }
      return;
    }
    if (carry_.empty()) {
      scanLine(chunk.substr(0, nl));
    } else {
      carry_.append(chunk.substr(0, nl));
      scanLine(carry_);
      carry_.clear();
    }
    ++line_;
    chunk.remove_prefix(nl + 1);
  }
}

void SecretMatcher::finish() {
  if (!carry_.empty()) scanLine(carry_);
  carry_.clear();
}

bool isCredentialFile(std::string_view path) {
  std::string_view base = baseName(path);
  if (base == ".npmrc" || base == ".pypirc" || base == ".netrc" || base == ".git-credentials") return true;
  if (base == ".env" || base.starts_with(".env.")) return base != ".env.example" && base != ".env.sample";
  if (base == "config.json" && path.find(".docker/config.json") != std::string_view::npos) return true;
  if (base == "credentials" && path.find(".aws/credentials") != std::string_view::npos) return true;
  return false;
}

std::vector<SecretHit> credentialFileHits(std::string_view path, std::string_view content) {
  std::vector<SecretHit> hits;
  std::string_view base = baseName(path);
  if (base == "config.json") {
    try {
      auto j = nlohmann::json::parse(content);
      if (auto auths = j.find("auths"); auths != j.end() && auths->is_object()) {
        for (const auto& [registry, entry] : auths->items()) {
          if (!entry.is_object()) continue;
          bool has =
              (entry.contains("auth") && entry["auth"].is_string() && !entry["auth"].get<std::string>().empty()) ||
              (entry.contains("identitytoken") && entry["identitytoken"].is_string() &&
               !entry["identitytoken"].get<std::string>().empty());
          if (has) addHit(hits, "registry credentials in .docker/config.json (" + registry + ")", 0);
        }
      }
    } catch (const nlohmann::json::exception&) {
    }
    return hits;
  }
  int number = 0;
  std::string_view rest = content;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++number;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    auto eq = line.find('=');
    std::string_view key = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? std::string_view() : trim(line.substr(eq + 1));
    if (base == ".npmrc") {
      if ((key.ends_with("_authToken") || key.ends_with("_auth") || key.ends_with("_password")) && !isReference(value))
        addHit(hits, "npm registry token in .npmrc", number);
    } else if (base == ".pypirc") {
      if (key == "password" && !isReference(value)) addHit(hits, "package index password in .pypirc", number);
    } else if (base == ".netrc") {
      auto p = line.find("password ");
      if (p != std::string_view::npos && (p == 0 || line[p - 1] == ' ') && !isReference(line.substr(p + 9)))
        addHit(hits, "password in .netrc", number);
    } else if (base == ".git-credentials") {
      if (rules::hasEmbeddedCredentials(line)) addHit(hits, "git credentials", number);
    } else if (base == "credentials") {
      if ((key == "aws_secret_access_key" || key == "aws_session_token") && !isReference(value))
        addHit(hits, "AWS secret access key in .aws/credentials", number);
    } else {  // .env
      if (key.starts_with("export ")) key = trim(key.substr(7));
      if (eq != std::string_view::npos && !isReference(value)) {
        std::string_view unquoted = value;
        if (unquoted.size() >= 2 && (unquoted.front() == '"' || unquoted.front() == '\'') &&
            unquoted.back() == unquoted.front())
          unquoted = unquoted.substr(1, unquoted.size() - 2);
        if (rules::isSecretAssignment(key, unquoted))
          addHit(hits, "secret in " + std::string(base) + " (" + std::string(key) + ")", number);
      }
    }
  }
  return hits;
}

}  // namespace shipshape::scan
