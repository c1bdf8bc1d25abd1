// Small, dependency-free formatting helpers shared by every output path (tables, reports, logs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shipshape {

// 1536 -> "1.5KiB"; the binary units docker stats uses.
std::string humanBytes(std::int64_t bytes);
// Parses "512m", "1g", "1.5GiB", "1024" (bytes) as the docker CLI does; -1 when malformed.
std::int64_t parseBytes(std::string_view text);
// 1500000000 nano-CPUs -> "1.5".
// "0.5", "2" (docker's --cpus) as NanoCpus; -1 when it is not a finite number of CPUs in (0, 1e6].
std::int64_t parseNanoCpus(std::string_view text);
std::string formatCpus(std::int64_t nano_cpus);
// First 12 characters of a container or image ID, without a "sha256:" prefix.
std::string shortId(std::string_view id);

// 1795665646133 -> "2026-11-26T04:00:46.133Z"
std::string isoTimeMs(std::int64_t epoch_ms);
// 120 -> "120 ms", 4300 -> "4.3 s", 125000 -> "2 min 5 s"
std::string formatDurationMs(std::int64_t ms);
// "2026-11-26T04:00:46.133026346Z" (or with a +hh:mm offset) -> ms since the epoch; -1 when malformed.
std::int64_t parseRfc3339Ms(std::string_view text);
// "500ms", "90s", "5m", "1m30s", "2h", "7d" (Go's time.ParseDuration units, plus days) -> ms; -1 when malformed.
std::int64_t parseDurationMs(std::string_view text);
// Milliseconds since the epoch, now.
std::int64_t nowMs();
// Nanoseconds on the monotonic clock: for intervals (rates, costs), immune to wall-clock steps.
std::int64_t monotonicNs();

}  // namespace shipshape
