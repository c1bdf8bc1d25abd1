#include "resources/cgroup_files.h"

#include <charconv>

namespace shipshape::resources {
namespace {

// Calls `line(fields...)` for each line split on spaces/tabs (up to 12 fields).
template <typename F>
void forEachLine(std::string_view text, F&& on_line) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::string_view fields[12];
    int n = 0;
    std::size_t i = 0;
    while (i < line.size() && n < 12) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields[n++] = line.substr(start, i - start);
    }
    if (n > 0) on_line(fields, n);
  }
}

std::uint64_t number(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

void scanFlatKeyed(std::string_view text, std::initializer_list<std::string_view> keys, std::uint64_t* values) {
  std::size_t n = keys.size();
  for (std::size_t i = 0; i < n; ++i) values[i] = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string_view key = line.substr(0, space);
    std::size_t i = 0;
    for (auto k : keys) {
      if (k == key) {
        values[i] = number(line.substr(space + 1));
        break;
      }
      ++i;
    }
  }
}

std::uint64_t parseNumber(std::string_view text) {
  while (!text.empty() && (text.front() == ' ')) text.remove_prefix(1);
  return number(text);
}

std::uint64_t parseLimit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text == "max" || text.empty() || text[0] == '-') return 0;
  std::uint64_t v = number(text);
  // cgroup v1 reports "no limit" as LONG_MAX rounded down to a page (9223372036854771712).
  return v >= (1ULL << 62) ? 0 : v;
}

IoBytes parseBlkioServiceBytes(std::string_view text) {
  IoBytes io;
  forEachLine(text, [&](std::string_view* f, int n) {
    if (n != 3) return;
    if (f[1] == "Read") io.read += number(f[2]);
    if (f[1] == "Write") io.write += number(f[2]);
  });
  return io;
}

IoBytes parseIoStat(std::string_view text) {
  IoBytes io;
  forEachLine(text, [&](std::string_view* f, int n) {
    for (int i = 1; i < n; ++i) {
      if (f[i].starts_with("rbytes=")) io.read += number(f[i].substr(7));
      if (f[i].starts_with("wbytes=")) io.write += number(f[i].substr(7));
    }
  });
  return io;
}

NetBytes parseNetDev(std::string_view text) {
  NetBytes net;
  forEachLine(text, [&](std::string_view* f, int n) {
    // "  eth0: 200 2 0 ..." — the interface name ends with ':' (sometimes glued to the first number).
    if (n < 2) return;
    std::string_view name = f[0];
    auto colon = name.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view rest = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (name == "lo") return;
    // Fields after the name: rx bytes, packets, errs, drop, fifo, frame, compressed, multicast, tx bytes, ...
    std::string_view values[12];
    int count = 0;
    if (!rest.empty()) values[count++] = rest;
    for (int i = 1; i < n && count < 12; ++i) values[count++] = f[i];
    // forEachLine caps fields at 12; the tx bytes are the 9th value, within reach.
    if (count >= 9) {
      net.rx += number(values[0]);
      net.tx += number(values[8]);
    }
  });
  return net;
}

HostCpu parseProcStat(std::string_view text) {
  HostCpu cpu;
  forEachLine(text, [&](std::string_view* f, int n) {
    if (f[0] == "cpu" && n >= 5) {
      std::uint64_t total = 0;
      for (int i = 1; i < n && i <= 8; ++i) total += number(f[i]);  // user..steal; guest is inside user
      std::uint64_t idle = number(f[4]) + (n > 5 ? number(f[5]) : 0);
      cpu.total_ticks = total;
      cpu.busy_ticks = total - idle;
    } else if (f[0].starts_with("cpu")) {
      ++cpu.cores;
    }
  });
  return cpu;
}

HostMemory parseMeminfo(std::string_view text) {
  HostMemory mem;
  forEachLine(text, [&](std::string_view* f, int n) {
    if (n < 2) return;
    if (f[0] == "MemTotal:") mem.total = number(f[1]) * 1024;
    if (f[0] == "MemAvailable:") mem.available = number(f[1]) * 1024;
  });
  return mem;
}

}  // namespace shipshape::resources
