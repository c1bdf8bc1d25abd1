// Any bytes as a Dockerfile: parse, build the stages, run every Dockerfile rule.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dockerfile/dockerfile.h"
#include "rules/dockerfile_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = shipshape::dockerfile::parseDockerfile(text, "Dockerfile");
  if (parsed) {
    auto stages = shipshape::dockerfile::buildStages(*parsed);
    (void)stages;
    auto findings = shipshape::rules::checkDockerfile(*parsed);
    (void)findings;
  }
  return 0;
}
