// Splitting an image reference into name, tag and digest, as the engine does.
#pragma once

#include <string>
#include <string_view>

namespace shipshape::rules {

struct ImageRef {
  std::string name;    // registry/repo/name
  std::string tag;     // empty when none
  std::string digest;  // "sha256:..." when pinned

  bool mutableTag() const { return digest.empty() && (tag.empty() || tag == "latest"); }
};

ImageRef parseImageRef(std::string_view ref);

}  // namespace shipshape::rules
