#include "registry/docker_config.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/file.h"

namespace shipshape::registry {

using nlohmann::json;

std::string dockerConfigDir() {
  const char* dir = std::getenv("DOCKER_CONFIG");
  if (dir && *dir) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.docker";
}

std::string normalizeRegistry(std::string_view name) {
  std::string s(name);
  if (auto p = s.find("://"); p != std::string::npos) s.erase(0, p + 3);
  if (auto p = s.find('/'); p != std::string::npos) s.erase(p);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "index.docker.io" || s == "registry-1.docker.io" || s == "registry.hub.docker.com") return "docker.io";
  return s;
}

namespace {

// The CLI's rule: the first path component is a registry when it has a '.' or ':' or is "localhost".
bool looksLikeRegistry(std::string_view first) {
  return first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos || first == "localhost";
}

std::string_view stripTagAndDigest(std::string_view ref) {
  if (auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) ref = ref.substr(0, colon);
  return ref;
}

}  // namespace

std::string registryOfImage(std::string_view image) {
  auto slash = image.find('/');
  if (slash == std::string_view::npos || !looksLikeRegistry(image.substr(0, slash))) return "docker.io";
  return normalizeRegistry(image.substr(0, slash));
}

std::string repositoryOfImage(std::string_view image) {
  std::string_view ref = stripTagAndDigest(image);
  auto slash = ref.find('/');
  if (slash != std::string_view::npos && looksLikeRegistry(ref.substr(0, slash))) {
    std::string host = normalizeRegistry(ref.substr(0, slash));
    ref = ref.substr(slash + 1);
    if (host != "docker.io") return std::string(ref);
  }
  if (ref.find('/') == std::string_view::npos) return "library/" + std::string(ref);
  return std::string(ref);
}

std::string credentialKey(std::string_view registry) {
  std::string host = normalizeRegistry(registry);
  return host == "docker.io" ? "https://index.docker.io/v1/" : host;
}

Result<DockerConfig> loadDockerConfig(const std::string& dir) {
  DockerConfig config;
  std::string path = dir + "/config.json";
  auto text = readFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return config;
    return fail(text.error());
  }
  config.path = path;
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(ErrorCode::kInvalidArgument, path + ": not a JSON object");
  if (auto it = doc.find("credsStore"); it != doc.end() && it->is_string()) config.creds_store = *it;
  if (auto it = doc.find("credHelpers"); it != doc.end() && it->is_object()) {
    for (const auto& [key, helper] : it->items()) {
      if (helper.is_string()) config.cred_helpers[key] = helper.get<std::string>();
    }
  }
  if (auto it = doc.find("auths"); it != doc.end() && it->is_object()) {
    for (const auto& [key, entry] : it->items()) {
      AuthEntry a{.key = key};
      if (!entry.is_object()) continue;
      if (auto f = entry.find("auth"); f != entry.end() && f->is_string() && !f->get<std::string>().empty()) {
        auto decoded = base64Decode(f->get<std::string>());
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (!decoded || colon == std::string::npos) {
          return fail(ErrorCode::kInvalidArgument,
                      path + ": auths[\"" + key + "\"].auth is not base64 of \"user:password\"");
        }
        a.username = decoded->substr(0, colon);
        a.password = decoded->substr(colon + 1);
      }
      if (auto f = entry.find("username"); f != entry.end() && f->is_string() && a.username.empty()) a.username = *f;
      if (auto f = entry.find("password"); f != entry.end() && f->is_string() && a.password.empty()) a.password = *f;
      if (auto f = entry.find("identitytoken"); f != entry.end() && f->is_string()) a.identity_token = *f;
      if (auto f = entry.find("registrytoken"); f != entry.end() && f->is_string()) a.registry_token = *f;
      config.auths.push_back(std::move(a));
    }
  }
  return config;
}

std::vector<std::string> configuredRegistries(const DockerConfig& config) {
  std::set<std::string> out;
  for (const auto& a : config.auths) out.insert(normalizeRegistry(a.key));
  for (const auto& [key, helper] : config.cred_helpers) out.insert(normalizeRegistry(key));
  return {out.begin(), out.end()};
}

const AuthEntry* findAuth(const DockerConfig& config, std::string_view registry) {
  std::string host = normalizeRegistry(registry);
  for (const auto& a : config.auths) {
    if (normalizeRegistry(a.key) == host) return &a;
  }
  return nullptr;
}

std::optional<std::string> findCredHelper(const DockerConfig& config, std::string_view registry) {
  std::string host = normalizeRegistry(registry);
  for (const auto& [key, helper] : config.cred_helpers) {
    if (normalizeRegistry(key) == host) return helper;
  }
  return std::nullopt;
}

}  // namespace shipshape::registry
