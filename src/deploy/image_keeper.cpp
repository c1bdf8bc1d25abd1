#include "deploy/image_keeper.h"

#include <cctype>

#include "docker/client.h"
#include "store/release_store.h"

namespace shipshape::deploy {

std::string keepRepository(const std::string& service) {
  std::string name;
  for (char c : service) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name += (std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '_' || l == '.') ? l : '-';
  }
  return "shipshape-keep/" + name;
}

Result<int> protectKnownGood(docker::Client& client, store::ReleaseStore& releases, const std::string& service,
                             int keep) {
  auto good = releases.knownGood(service);
  if (!good) return fail(good.error());
  std::string repo = keepRepository(service);
  int kept = 0;
  for (const auto& r : *good) {
    std::string tag = "release-" + std::to_string(r.id);
    if (r.image_id.empty()) continue;
    if (kept < keep) {
      auto tagged = client.tagImage(r.image_id, repo, tag);
      if (!tagged) return fail(tagged.error());
      ++kept;
    } else {
      // Our tag goes; the image itself stays while another tag or a container still uses it.
      (void)client.removeImage(repo + ":" + tag, false);
    }
  }
  return kept;
}

}  // namespace shipshape::deploy
