#include "common/format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace shipshape {

std::string humanBytes(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (std::fabs(value) >= 1024.0 && unit < 5) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%lldB", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.4g%s", value, kUnits[unit]);
  }
  return buf;
}

std::int64_t parseBytes(std::string_view text) {
  if (text.empty()) return -1;
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return -1;
  double number = 0;
  try {
    number = std::stod(std::string(text.substr(0, i)));
  } catch (...) {
    return -1;
  }
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // docker accepts b, k, m, g (and kb, mb, gb, kib, ...), all binary multiples.
  double multiplier = 1;
  if (unit.empty() || unit == "b") {
    multiplier = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    multiplier = 1024.0;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    multiplier = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    multiplier = 1024.0 * 1024 * 1024;
  } else if (unit == "t" || unit == "tb" || unit == "tib") {
    multiplier = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return -1;
  }
  return static_cast<std::int64_t>(number * multiplier);
}

std::string formatCpus(std::int64_t nano_cpus) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(nano_cpus) / 1e9);
  return buf;
}

std::string shortId(std::string_view id) {
  if (id.substr(0, 7) == "sha256:") id.remove_prefix(7);
  return std::string(id.substr(0, 12));
}

}  // namespace shipshape
