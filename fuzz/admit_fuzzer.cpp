// Any bytes as what the engine forwards to the authorization plugin: an AuthZReq, or a container create body
// judged against an image config (the second half, after the first newline).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admit/authz_message.h"
#include "admit/create_request.h"
#include "admit/policy.h"
#include "rules/live_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace a = shipshape::admit;
  if (data[0] % 2 == 0) {
    auto r = a::parseAuthzRequest(text);
    if (r) {
      auto route = a::apiRoute(r->uri);
      (void)a::queryParam(route.query, "name");
    }
    return 0;
  }
  auto nl = text.find('\n');
  std::string body(text.substr(0, nl));
  std::optional<std::string> image;
  if (nl != text.npos) image = std::string(text.substr(nl + 1));
  auto request = a::parseCreateRequest(body, "fuzz", image);
  if (!request) return 0;
  shipshape::rules::LiveSnapshot context;
  if (request->image) context.images[request->image->id] = *request->image;
  auto findings = shipshape::rules::checkContainer(context, request->container);
  (void)a::judge(a::AdmitConfig{}, "container fuzz", request->container.config.image, request->container.config.labels,
                 findings);
  return 0;
}
