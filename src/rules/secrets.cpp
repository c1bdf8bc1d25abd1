#include "rules/secrets.h"

#include <array>
#include <cctype>
#include <cmath>
#include <vector>

namespace shipshape::rules {
namespace {

std::vector<std::string> tokens(std::string_view name) {
  std::vector<std::string> out(1);
  for (char c : name) {
    if (c == '_' || c == '-' || c == '.') {
      if (!out.back().empty()) out.emplace_back();
    } else {
      out.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

double entropy(std::string_view s) {
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace

bool isSecretName(std::string_view name) {
  auto t = tokens(name);
  if (t.empty()) return false;
  // References to secrets are the recommended pattern, not a leak.
  const std::string& last = t.back();
  if (last == "file" || last == "path" || last == "url" || last == "dir" || last == "id" || last == "user" ||
      last == "username" || last == "length" || last == "policy" || last == "type" || last == "name") {
    return false;
  }
  static const char* const kWords[] = {"password", "passwd", "pwd", "pass", "secret", "token", "apikey",
                                       "credential", "credentials", "passphrase", "privatekey", "accesskey"};
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (const char* w : kWords) {
      if (t[i] == w) return true;
    }
    if (t[i] == "key" && i > 0 &&
        (t[i - 1] == "api" || t[i - 1] == "access" || t[i - 1] == "private" || t[i - 1] == "secret" ||
         t[i - 1] == "encryption" || t[i - 1] == "signing" || t[i - 1] == "master")) {
      return true;
    }
    if (t[i] == "auth" && (t.size() == 1 || i + 1 == t.size())) return true;  // REGISTRY_AUTH, not AUTHOR
  }
  // Glued forms: DBPASSWORD, GITHUBTOKEN, MYSECRET.
  std::string glued;
  for (const auto& x : t) glued += x;
  for (const char* w : {"password", "secret", "token", "apikey"}) {
    if (glued.size() > std::string_view(w).size() && glued.find(w) != std::string::npos) return true;
  }
  return false;
}

bool looksLikeSecretValue(std::string_view v) {
  static const char* const kPrefixes[] = {"ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "xoxb-", "xoxp-",
                                          "sk_live_", "rk_live_", "AKIA", "ASIA", "AIza", "npm_"};
  for (const char* p : kPrefixes) {
    std::string_view prefix(p);
    if (v.size() >= prefix.size() + 12 && v.substr(0, prefix.size()) == prefix) return true;
  }
  if (v.find("-----BEGIN") != std::string_view::npos && v.find("PRIVATE KEY") != std::string_view::npos) return true;
  if (v.size() < 24 || v.size() > 512) return false;
  if (v.find("://") != std::string_view::npos || v.front() == '/' || v.find(' ') != std::string_view::npos) {
    return false;
  }
  bool lower = false, upper = false, digit = false, hex_only = true;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    lower |= std::islower(u) != 0;
    upper |= std::isupper(u) != 0;
    digit |= std::isdigit(u) != 0;
    hex_only &= std::isxdigit(u) != 0;
  }
  // Hex digests and fingerprints (checksums, GPG keys) are public; a real token mixes cases and digits.
  if (hex_only || !(lower && upper && digit)) return false;
  return entropy(v) >= 4.2;
}

bool hasEmbeddedCredentials(std::string_view text) {
  auto scheme = text.find("://");
  std::string_view rest = scheme == std::string_view::npos ? text : text.substr(scheme + 3);
  auto at = rest.find('@');
  if (at == std::string_view::npos) return false;
  std::string_view userinfo = rest.substr(0, at);
  // user:password@host, and not an image digest (name@sha256:...)
  return userinfo.find(':') != std::string_view::npos && userinfo.find('/') == std::string_view::npos &&
         rest.substr(at + 1, 7) != "sha256:";
}

bool isSecretAssignment(std::string_view name, std::string_view value) {
  if (value.empty()) return false;
  if (hasEmbeddedCredentials(value) || looksLikeSecretValue(value)) return true;
  if (!isSecretName(name)) return false;
  if (value.front() == '/' || value.starts_with("./") || value.starts_with("../") || value.starts_with("~/")) {
    return false;  // where the secret is, not what it is
  }
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* flag : {"yes", "no", "true", "false", "on", "off", "y", "n", "0", "1"}) {
    if (v == flag) return false;
  }
  return true;
}

std::string redact(std::string_view value) { return "***(" + std::to_string(value.size()) + " chars)"; }

}  // namespace shipshape::rules
