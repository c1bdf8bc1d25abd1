#include "scan/layer_collector.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "scan/secret_patterns.h"

namespace shipshape::scan {
namespace {

constexpr std::size_t kMaxCaptured = 64u << 20;
constexpr std::size_t kMaxCredentialFile = 1u << 20;

std::string_view parentOf(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// Test suites and examples ship throwaway keys on purpose (Python's test/keycert.pem, Go's testdata):
// not secrets of this image. Their paths are skipped, as trivy's built-in allow rules skip them.
bool isTestData(std::string_view path) {
  std::string_view rest = path;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part == "test" || part == "tests" || part == "testdata" || part == "testing" || part == "examples" ||
        part == "fixtures" || part == "doc")
      return true;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return false;
}

std::string octal(unsigned mode) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04o", mode & 07777u);
  return buffer;
}

}  // namespace

bool isInventoryFile(std::string_view path) {
  return path == "etc/os-release" || path == "usr/lib/os-release" || path == "var/lib/dpkg/status" ||
         path == "lib/apk/db/installed" || (path.starts_with("var/lib/dpkg/status.d/") && !path.ends_with(".md5sums"));
}

std::uint64_t LayerCollector::pathHash(std::string_view path) {
  // FNV-1a, 64 bits: a collision would only hide one finding's "replaced" note among millions of paths.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : path) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool LayerCollector::hides(const LayerRecord& layer, const std::string& path) {
  if (layer.whiteouts.count(path)) return true;
  for (std::string_view p = parentOf(path); !p.empty(); p = parentOf(p)) {
    std::string parent(p);
    if (layer.whiteouts.count(parent) || layer.opaque_dirs.count(parent)) return true;
  }
  return false;
}

std::optional<Removal> LayerCollector::supersededBy(const std::vector<const LayerRecord*>& layers, std::size_t index,
                                                    const std::string& path) {
  std::uint64_t h = pathHash(path);
  for (std::size_t j = index + 1; j < layers.size(); ++j) {
    if (layers[j] == nullptr) continue;
    if (hides(*layers[j], path)) return Removal{static_cast<int>(j), true};
    if (layers[j]->written.count(h)) return Removal{static_cast<int>(j), false};
  }
  return std::nullopt;
}

void LayerCollector::beginLayer(const std::string& blob) {
  layers_[blob] = LayerRecord{};
  current_ = &layers_[blob];
}

void LayerCollector::endLayer() { current_ = nullptr; }

void LayerCollector::entry(const LayerEntry& e, const ReadFn& read) {
  if (current_ == nullptr) return;
  LayerRecord& layer = *current_;
  ++layer.entries;
  std::string_view base = e.path;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
  if (base.starts_with(".wh.")) {
    std::string dir(parentOf(e.path));
    if (base == ".wh..wh..opq")
      layer.opaque_dirs.insert(dir);
    else
      layer.whiteouts.insert((dir.empty() ? "" : dir + "/") + std::string(base.substr(4)));
    return;
  }
  layer.written.insert(pathHash(e.path));
  if (e.type == LayerEntry::kDir) {
    if ((e.mode & 0002) && !(e.mode & 01000))
      layer.candidates.push_back(
          {"SS414", rules::Severity::kLow,
           "directory /" + e.path + " is world-writable (" + octal(e.mode) + ") without the sticky bit", e.path, 0});
    return;
  }
  if (e.type != LayerEntry::kFile) return;
  layer.bytes += e.size;
  if (e.mode & 06000) {
    std::string bits = (e.mode & 04000) && (e.mode & 02000) ? "setuid and setgid"
                       : (e.mode & 04000)                   ? "setuid"
                                                            : "setgid";
    layer.candidates.push_back({"SS413", rules::Severity::kLow,
                                "/" + e.path + " is " + bits + " (" + octal(e.mode) + ", owner " +
                                    std::to_string(e.uid) + ":" + std::to_string(e.gid) + ")",
                                e.path, 0});
  }
  scanContent(e, read, layer);
}

void LayerCollector::scanContent(const LayerEntry& e, const ReadFn& read, LayerRecord& layer) {
  bool inventory = isInventoryFile(e.path) && e.size <= static_cast<std::int64_t>(kMaxCaptured);
  bool credential = isCredentialFile(e.path) && e.size <= static_cast<std::int64_t>(kMaxCredentialFile);
  bool search = e.size > 0 && e.size <= max_secret_file_ && !isTestData(e.path);
  if (!inventory && !credential && !search) return;

  SecretMatcher matcher;
  std::string whole;  // for inventory and credential files only
  std::vector<char> buffer(256 * 1024);
  bool first = true;
  for (;;) {
    std::size_t n = read(buffer.data(), buffer.size());
    if (n == 0) break;
    std::string_view chunk(buffer.data(), n);
    if (first && search && std::memchr(chunk.data(), '\0', std::min<std::size_t>(n, 8192)) != nullptr)
      search = false;  // a binary: token shapes are text
    first = false;
    if (inventory || credential) whole.append(chunk);
    if (search) matcher.feed(chunk);
    if (!inventory && !credential && !search) break;  // the walk skips the rest
  }
  matcher.finish();
  std::vector<SecretHit> hits = matcher.hits();
  if (credential)
    for (auto& h : credentialFileHits(e.path, whole)) hits.push_back(std::move(h));
  for (const auto& h : hits) {
    std::string where = "/" + e.path + (h.line > 0 ? ":" + std::to_string(h.line) : std::string());
    std::string count = h.count > 1 ? " (" + std::to_string(h.count) + " occurrences)" : std::string();
    bool key = h.kind.find("private key") != std::string::npos || h.kind.find("AWS") != std::string::npos;
    layer.candidates.push_back({"SS412", key ? rules::Severity::kCritical : rules::Severity::kHigh,
                                h.kind + " in " + where + count, e.path, h.line});
  }
  if (inventory) layer.captured[e.path] = std::move(whole);
}

}  // namespace shipshape::scan
