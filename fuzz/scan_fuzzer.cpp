// Any bytes as what an image carries: the first byte picks the reader (os-release, dpkg status, apk
// database, an OSV record, a CVSS vector, two versions to order, a file searched for secrets).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/osv.h"
#include "scan/packages.h"
#include "scan/secret_patterns.h"
#include "scan/version_order.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace s = shipshape::scan;
  switch (data[0] % 8) {
    case 0: {
      auto os = s::parseOsRelease(text);
      (void)s::osvEcosystem(os);
      break;
    }
    case 1:
      for (const auto& p : s::parseDpkgStatus(text, "var/lib/dpkg/status")) {
        (void)s::packageUrl(p, s::parseOsRelease("ID=debian\nVERSION_ID=12\n"));
      }
      break;
    case 2: (void)s::parseApkInstalled(text, "lib/apk/db/installed"); break;
    case 3: {
      auto record = s::parseOsvRecord(text, "fuzz.json");
      if (record) {
        for (const auto& a : record->affected) {
          std::string fixed;
          (void)s::isAffected(a, "1:2.3-4~deb12u1", &fixed);
          (void)s::isAffected(a, "1.2.3-r4", &fixed);
        }
      }
      break;
    }
    case 4: (void)s::cvss3BaseScore(text); break;
    case 5:
    case 6: {
      // Two versions split at the first newline, ordered both ways: the order must be antisymmetric.
      auto nl = text.find('\n');
      std::string_view a = text.substr(0, nl), b = nl == text.npos ? std::string_view() : text.substr(nl + 1);
      auto cmp = data[0] % 8 == 5 ? s::compareDpkgVersions : s::compareApkVersions;
      int ab = cmp(a, b), ba = cmp(b, a);
      if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) __builtin_trap();
      break;
    }
    default: {
      s::SecretMatcher m;
      // Fed in two chunks: a secret split across reads must not crash or be read past.
      m.feed(text.substr(0, text.size() / 2));
      m.feed(text.substr(text.size() / 2));
      m.finish();
      (void)s::credentialFileHits(".npmrc", text);
      (void)s::credentialFileHits("root/.docker/config.json", text);
      break;
    }
  }
  return 0;
}
