#include "rules/image_ref.h"

namespace shipshape::rules {

ImageRef parseImageRef(std::string_view ref) {
  ImageRef r;
  if (auto at = ref.find('@'); at != std::string_view::npos) {
    r.digest = std::string(ref.substr(at + 1));
    ref = ref.substr(0, at);
  }
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  // A colon before the last slash is a registry port (localhost:5000/app), not a tag.
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(ref.substr(colon + 1));
    ref = ref.substr(0, colon);
  }
  r.name = std::string(ref);
  return r;
}

}  // namespace shipshape::rules
