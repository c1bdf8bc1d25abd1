#include "common/log.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace shipshape::log {
namespace {

std::atomic<Level> g_level{Level::kWarn};

spdlog::level::level_enum toSpd(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// One logger per module, all sharing one stderr sink so that lines never interleave.
std::shared_ptr<spdlog::logger> loggerFor(std::string_view module) {
  static std::mutex mu;
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  static std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
  std::lock_guard lock(mu);
  auto [it, inserted] = loggers.try_emplace(std::string(module));
  if (inserted) {
    it->second = std::make_shared<spdlog::logger>(std::string(module), sink);
    it->second->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
    it->second->set_level(spdlog::level::trace);
  }
  return it->second;
}

}  // namespace

void setLevel(Level level) { g_level.store(level); }

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed) && level != Level::kOff; }

bool parseLevel(std::string_view name, Level* out) {
  static const std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view module, std::string_view message) {
  loggerFor(module)->log(toSpd(level), "{}", message);
}

}  // namespace shipshape::log
