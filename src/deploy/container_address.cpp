#include "deploy/container_address.h"

namespace shipshape::deploy {

Result<proxy::UpstreamTarget> containerTarget(docker::Client& client, const std::string& container,
                                              const std::vector<std::string>& networks, int port) {
  auto inspect = client.inspectContainer(container);
  if (!inspect) return fail(inspect.error());
  if (!inspect->state.running) {
    return fail(ErrorCode::kConflict, "container " + inspect->name + " is not running (" + inspect->state.status + ")");
  }
  std::string ip;
  for (const auto& wanted : networks) {
    for (const auto& n : inspect->networks) {
      if (n.network == wanted && !n.ip_address.empty()) ip = n.ip_address;
    }
    if (!ip.empty()) break;
  }
  if (ip.empty()) {
    for (const auto& n : inspect->networks) {
      if (!n.ip_address.empty()) {
        ip = n.ip_address;
        break;
      }
    }
  }
  if (ip.empty()) return fail(ErrorCode::kConflict, "container " + inspect->name + " has no IP address on any network");
  return proxy::UpstreamTarget{.host = ip, .port = static_cast<unsigned short>(port), .container_id = inspect->id,
                               .container_name = inspect->name};
}

}  // namespace shipshape::deploy
