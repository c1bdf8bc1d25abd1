// Any bytes as a cgroup or /proc file: the first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "resources/cgroup_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace r = shipshape::resources;
  switch (data[0] % 8) {
    case 0: (void)r::parseNumber(text); break;
    case 1: (void)r::parseLimit(text); break;
    case 2: (void)r::parseBlkioServiceBytes(text); break;
    case 3: (void)r::parseIoStat(text); break;
    case 4: (void)r::parseNetDev(text); break;
    case 5: (void)r::parseProcStat(text); break;
    case 6: (void)r::parseMeminfo(text); break;
    default: {
      std::uint64_t values[3] = {};
      r::scanFlatKeyed(text, {"usage_usec", "nr_throttled", "throttled_usec"}, values);
    }
  }
  return 0;
}
