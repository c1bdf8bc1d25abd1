#include "cli/credential_helper.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "registry/credential_store.h"
#include "registry/token_refresh.h"

namespace shipshape::cli {

using nlohmann::json;

namespace {

constexpr const char* kNotFound = "credentials not found in native keychain";

std::string readStdin() {
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!in.empty() && (in.back() == '\n' || in.back() == '\r' || in.back() == ' ')) in.pop_back();
  return in;
}

int failWith(const std::string& message) {
  std::printf("%s\n", message.c_str());
  return 1;
}

// An identity token past 75 % of its lifetime is traded for a new one, kept in the store (unless it comes from
// an orchestrator's secret file, which is theirs to rotate) and answered. A failed refresh is said on stderr and
// the current token answered: it is still valid for the rest of its lifetime.
void renewIfDue(registry::CredentialStore& store, registry::StoredCredential& credential) {
  if (credential.username != "<token>" ||
      !registry::refreshDue(credential.secret, static_cast<std::int64_t>(std::time(nullptr)))) {
    return;
  }
  auto renewed = registry::refreshIdentityToken(credential.server_url, credential.secret, std::chrono::seconds(10));
  if (!renewed) {
    std::fprintf(stderr, "docker-credential-shipshape: the identity token for %s is due for renewal, but: %s\n",
                 credential.server_url.c_str(), renewed.error().describe().c_str());
    return;
  }
  credential.secret = *renewed;
  if (!credential.secret_file.empty()) return;
  if (auto kept = store.store(credential); !kept) {
    std::fprintf(stderr, "docker-credential-shipshape: renewed the identity token for %s but could not keep it: %s\n",
                 credential.server_url.c_str(), kept.error().describe().c_str());
  }
}

}  // namespace

bool isCredentialHelperName(const char* argv0) {
  std::string_view name(argv0 ? argv0 : "");
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return name == "docker-credential-shipshape";
}

int runCredentialHelper(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: docker-credential-shipshape store|get|erase|list|version\n");
    return 1;
  }
  std::string verb = argv[1];
  registry::CredentialStore store(registry::CredentialStore::defaultDir());
  if (verb == "version") {
    std::printf("docker-credential-shipshape (shipshape's credential store in %s)\n", store.dir().c_str());
    return 0;
  }
  if (verb == "store") {
    json doc = json::parse(readStdin(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("ServerURL")) {
      return failWith("store: stdin is not {\"ServerURL\",\"Username\",\"Secret\"}");
    }
    auto stored = store.store({doc.value("ServerURL", ""), doc.value("Username", ""), doc.value("Secret", ""), ""});
    return stored ? 0 : failWith(stored.error().describe());
  }
  if (verb == "get") {
    std::string server = readStdin();
    auto found = store.get(server);
    if (!found) return failWith(found.error().describe());
    if (!*found) return failWith(kNotFound);
    renewIfDue(store, **found);
    json out = {{"ServerURL", server}, {"Username", (*found)->username}, {"Secret", (*found)->secret}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  if (verb == "erase") {
    auto erased = store.erase(readStdin());
    if (!erased) return failWith(erased.error().describe());
    return *erased ? 0 : failWith(kNotFound);
  }
  if (verb == "list") {
    auto all = store.list();
    if (!all) return failWith(all.error().describe());
    std::printf("%s\n", json(*all).dump().c_str());
    return 0;
  }
  return failWith("unknown verb '" + verb + "' (store, get, erase, list, version)");
}

}  // namespace shipshape::cli
