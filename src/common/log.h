// Per-module logging: SHIPSHAPE_LOG(docker, warn, "[ctr={}] restart failed: {}", name, err).
// Messages go to stderr (results go to stdout). Thread-safe. spdlog stays out of this header so that
// including it is cheap; formatting uses fmt.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace shipshape::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Named constants so that the macro reads SHIPSHAPE_LOG(module, warn, ...).
namespace levels {
inline constexpr Level trace = Level::kTrace;
inline constexpr Level debug = Level::kDebug;
inline constexpr Level info = Level::kInfo;
inline constexpr Level warn = Level::kWarn;
inline constexpr Level error = Level::kError;
}  // namespace levels

void setLevel(Level level);
bool enabled(Level level);
// Parses trace|debug|info|warn|error|off; false when the name is unknown.
bool parseLevel(std::string_view name, Level* out);
void write(Level level, std::string_view module, std::string_view message);

}  // namespace shipshape::log

#define SHIPSHAPE_LOG(module, level, ...)                                               \
  do {                                                                                  \
    if (::shipshape::log::enabled(::shipshape::log::levels::level)) {                   \
      ::shipshape::log::write(::shipshape::log::levels::level, #module,                 \
                              ::fmt::format(__VA_ARGS__));                              \
    }                                                                                   \
  } while (0)
