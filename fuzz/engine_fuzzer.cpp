// Any bytes as an Engine API answer: the first byte picks the parser, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "docker/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace d = shipshape::docker;
  switch (data[0] % 14) {
    case 0: (void)d::parseVersion(body); break;
    case 1: (void)d::parseInfo(body); break;
    case 2: (void)d::parseContainerList(body); break;
    case 3: (void)d::parseContainerInspect(body); break;
    case 4: (void)d::parseImageList(body); break;
    case 5: (void)d::parseImageInspect(body); break;
    case 6: (void)d::parseVolumeList(body); break;
    case 7: (void)d::parseVolume(body); break;
    case 8: (void)d::parseDiskUsage(body); break;
    case 9: (void)d::parseEvent(body); break;
    case 10: (void)d::parseStats(body); break;
    case 11: (void)d::parsePathStatHeader(body); break;
    case 12: (void)d::parseErrorMessage(body); break;
    default: (void)d::parseEvent(body); break;
  }
  return 0;
}
