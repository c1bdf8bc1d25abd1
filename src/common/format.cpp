#include "common/format.h"

#include <cctype>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
  // A size past int64 (or inf from a long digit run) is an error, not undefined behaviour in the cast.
  const double bytes = number * multiplier;
  if (!std::isfinite(bytes) || bytes >= 9.2e18) return -1;
  return static_cast<std::int64_t>(bytes);
}

std::int64_t parseNanoCpus(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const double cpus = std::strtod(copy.c_str(), &end);
  if (copy.empty() || *end != '\0' || !std::isfinite(cpus) || cpus <= 0 || cpus > 1e6) return -1;
  return std::llround(cpus * 1e9);
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

std::string isoTimeMs(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string formatDurationMs(std::int64_t ms) {
  char buf[40];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms % 60000) / 1000));
  }
  return buf;
}

std::int64_t parseRfc3339Ms(std::string_view t) {
  int year, month, day, hour, minute, second;
  if (t.size() < 20 || std::sscanf(std::string(t.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month,
                                   &day, &hour, &minute, &second) != 6) {
    return -1;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    int digits = 0, frac = 0;
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
      if (digits < 3) {
        frac = frac * 10 + (t[i] - '0');
        ++digits;
      }
    }
    while (digits < 3) {
      frac *= 10;
      ++digits;
    }
    ms += frac;
  }
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(t.substr(i + 1)).c_str(), "%2d:%2d", &oh, &om) != 2) return -1;
    std::int64_t offset = (oh * 60 + om) * 60000LL;
    ms += t[i] == '+' ? -offset : offset;
  } else if (i >= t.size() || t[i] != 'Z') {
    return -1;
  }
  return ms;
}

std::int64_t monotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t parseDurationMs(std::string_view text) {
  if (text.empty()) return -1;
  double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) return -1;
    double n = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
    text.remove_prefix(i);
    std::size_t j = 0;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view unit = text.substr(0, j);
    text.remove_prefix(j);
    double factor = unit == "ms" ? 1 : unit == "s" ? 1e3 : unit == "m" ? 60e3 : unit == "h" ? 3600e3
                  : unit == "d" ? 86400e3 : -1;
    if (factor < 0) return -1;
    total += n * factor;
  }
  return static_cast<std::int64_t>(total);
}

}  // namespace shipshape
