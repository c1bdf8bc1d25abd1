// Any bytes as a Compose scalar and as a .env file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compose/interpolation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const shipshape::compose::Environment env = {{"A", "x"}, {"EMPTY", ""}, {"NESTED", "${A}"}};
  auto out = shipshape::compose::interpolate(text, env);
  (void)out;
  auto dotenv = shipshape::compose::parseDotEnv(text);
  (void)dotenv;
  return 0;
}
