#include "volumes/manifest.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shipshape::volumes {

std::string entryTypeName(unsigned file_type) {
  switch (file_type & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "char";
    case S_IFBLK: return "block";
    case S_IFIFO: return "fifo";
    default: return "other";
  }
}

using nlohmann::json;

std::string manifestToJson(const Manifest& m) {
  json entries = json::array();
  for (const auto& e : m.entries) {
    json j = {{"path", e.path},  {"type", e.type}, {"mode", fmt::format("{:04o}", e.mode)},
              {"uid", e.uid},    {"gid", e.gid},   {"size", e.size},
              {"mtime", e.mtime}};
    if (!e.link.empty()) j["link"] = e.link;
    if (!e.sha256.empty()) j["sha256"] = e.sha256;
    entries.push_back(std::move(j));
  }
  json j = {{"format", m.format},
            {"volume", m.volume},
            {"created", m.created},
            {"archive", m.archive},
            {"compression", m.compression},
            {"archive_sha256", m.archive_sha256},
            {"archive_bytes", m.archive_bytes},
            {"tar_bytes", m.tar_bytes},
            {"files", m.files},
            {"data_bytes", m.data_bytes},
            {"containers", m.containers},
            {"image", m.image},
            {"consistency", m.consistency},
            {"paused_ms", m.paused_ms},
            {"seconds", m.seconds},
            {"entries", std::move(entries)}};
  if (!m.restic_snapshot.empty()) {
    j["restic"] = {{"repository", m.restic_repository}, {"snapshot", m.restic_snapshot}};
  }
  if (!m.hook_output.empty()) j["hook_output"] = m.hook_output;
  return j.dump(1) + "\n";
}

Result<Manifest> manifestFromJson(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line:column.
    std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::size_t line =
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    std::size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    std::size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{}:{}:{}: not a backup manifest: invalid JSON", source, line, column));
  }
  try {
    Manifest m;
    m.format = j.at("format").get<int>();
    if (m.format != 1) {
      return fail(ErrorCode::kUnsupported, source + ": manifest format " + std::to_string(m.format) +
                                               " is newer than this shipshape understands (1)");
    }
    m.volume = j.at("volume").get<std::string>();
    m.created = j.value("created", "");
    m.archive = j.value("archive", "");
    m.compression = j.value("compression", "");
    m.archive_sha256 = j.value("archive_sha256", "");
    m.archive_bytes = j.value("archive_bytes", std::int64_t{0});
    m.tar_bytes = j.value("tar_bytes", std::int64_t{0});
    m.files = j.value("files", std::int64_t{0});
    m.data_bytes = j.value("data_bytes", std::int64_t{0});
    m.containers = j.value("containers", std::vector<std::string>{});
    m.image = j.value("image", "");
    m.consistency = j.value("consistency", "");
    m.paused_ms = j.value("paused_ms", std::int64_t{0});
    m.seconds = j.value("seconds", 0.0);
    m.hook_output = j.value("hook_output", "");
    if (j.contains("restic")) {
      m.restic_repository = j["restic"].at("repository").get<std::string>();
      m.restic_snapshot = j["restic"].at("snapshot").get<std::string>();
    }
    for (const auto& e : j.at("entries")) {
      ManifestEntry entry;
      entry.path = e.at("path").get<std::string>();
      entry.type = e.at("type").get<std::string>();
      entry.mode = static_cast<std::uint32_t>(std::stoul(e.at("mode").get<std::string>(), nullptr, 8));
      entry.uid = e.at("uid").get<std::int64_t>();
      entry.gid = e.at("gid").get<std::int64_t>();
      entry.size = e.value("size", std::int64_t{0});
      entry.mtime = e.value("mtime", std::int64_t{0});
      entry.link = e.value("link", "");
      entry.sha256 = e.value("sha256", "");
      m.entries.push_back(std::move(entry));
    }
    return m;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, source + ": not a backup manifest: " + e.what());
  }
}

namespace {

std::string shortHash(const std::string& h) { return h.substr(0, 12); }

}  // namespace

std::optional<std::string> firstDifference(const std::vector<ManifestEntry>& expected,
                                           const std::vector<ManifestEntry>& actual) {
  std::map<std::string, const ManifestEntry*> have;
  for (const auto& e : actual) have[e.path] = &e;
  for (const auto& want : expected) {
    auto it = have.find(want.path);
    if (it == have.end()) return want.path + ": missing";
    const ManifestEntry& got = *it->second;
    // A hard link and the file it names are the same inode: either side may list either name as the file.
    bool link_pair = (want.type == "hardlink") != (got.type == "hardlink");
    if (want.type != got.type && !link_pair) return want.path + ": is a " + got.type + ", expected a " + want.type;
    if (want.mode != got.mode) {
      return fmt::format("{}: mode {:04o}, expected {:04o}", want.path, got.mode, want.mode);
    }
    if (want.uid != got.uid || want.gid != got.gid) {
      return fmt::format("{}: owner {}:{}, expected {}:{}", want.path, got.uid, got.gid, want.uid, want.gid);
    }
    if (!link_pair && want.type == "symlink" && want.link != got.link) {
      return want.path + ": link to " + got.link + ", expected " + want.link;
    }
    if (!link_pair && want.type == "file") {
      if (want.size != got.size) return fmt::format("{}: {} bytes, expected {}", want.path, got.size, want.size);
      if (want.sha256 != got.sha256) {
        return want.path + ": sha256 " + shortHash(got.sha256) + "…, expected " + shortHash(want.sha256) + "…";
      }
    }
    have.erase(it);
  }
  if (!have.empty()) return have.begin()->first + ": not in the backup";
  return std::nullopt;
}

}  // namespace shipshape::volumes
