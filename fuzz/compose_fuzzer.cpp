// Any bytes as a Compose file: YAML with interpolation, the Compose shape checks, every Compose rule. The
// file's references (include, extends file:) are not followed: the fuzzer must not read the disk.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compose/references.h"
#include "rules/compose_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  static const shipshape::compose::Environment env = {{"TAG", "1.2"}, {"EMPTY", ""}, {"PORT", "8080"}};
  std::vector<std::string> warnings;
  auto node = shipshape::compose::parseComposeFile("compose.yaml", text, env, &warnings);
  if (node) {
    auto findings = shipshape::rules::checkCompose(*node);
    (void)findings;
  }
  return 0;
}
