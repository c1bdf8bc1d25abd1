#include "scan/scanner.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <cerrno>
#include <cstring>

#include "docker/client.h"
#include "scan/image_archive.h"
#include "scan/image_config.h"
#include "scan/layer_collector.h"

namespace shipshape::scan {
namespace {

std::string packageKey(const Package& p) { return p.type + "/" + p.name + "@" + p.version + "/" + p.arch; }

// The package inventory as it stands after each layer, so that each package of the final image gets the
// layer that installed its version: deletions (whiteouts) applied before a layer's own files, as overlayfs does.
std::vector<Package> inventory(const std::vector<const LayerRecord*>& layers, OsRelease* os) {
  struct Captured {
    std::string content;
    int layer;
  };
  std::map<std::string, Captured> view;
  std::map<std::string, int> origin;  // package key -> layer
  std::vector<Package> current;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (layers[i] == nullptr) continue;
    const LayerRecord& layer = *layers[i];
    bool changed = !layer.captured.empty();
    for (auto it = view.begin(); it != view.end();) {
      if (LayerCollector::hides(layer, it->first)) {
        it = view.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
    for (const auto& [path, content] : layer.captured) view[path] = {content, static_cast<int>(i)};
    if (!changed) continue;
    current.clear();
    for (const auto& [path, c] : view) {
      if (path == "var/lib/dpkg/status" || path.starts_with("var/lib/dpkg/status.d/")) {
        auto pkgs = parseDpkgStatus(c.content, "/" + path);
        current.insert(current.end(), pkgs.begin(), pkgs.end());
      } else if (path == "lib/apk/db/installed") {
        auto pkgs = parseApkInstalled(c.content, "/" + path);
        current.insert(current.end(), pkgs.begin(), pkgs.end());
      }
    }
    std::map<std::string, int> next;
    for (auto& p : current) {
      auto key = packageKey(p);
      auto it = origin.find(key);
      next[key] = it == origin.end() ? static_cast<int>(i) : it->second;
    }
    origin = std::move(next);
  }
  for (auto& p : current) p.layer = origin[packageKey(p)];
  std::sort(current.begin(), current.end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.arch, a.version) < std::tie(b.name, b.arch, b.version);
  });
  auto etc = view.find("etc/os-release");
  auto usr = view.find("usr/lib/os-release");
  if (etc != view.end())
    *os = parseOsRelease(etc->second.content);
  else if (usr != view.end())
    *os = parseOsRelease(usr->second.content);
  return current;
}

}  // namespace

Result<ScanResult> scanArchive(const ReadFn& read, const std::string& what, const std::string& want,
                               const ScanOptions& options) {
  auto start = std::chrono::steady_clock::now();
  LayerCollector collector(options.max_secret_file);
  std::int64_t bytes = 0;
  ReadFn counted = [&](char* buffer, std::size_t size) {
    std::size_t n = read(buffer, size);
    bytes += static_cast<std::int64_t>(n);
    if (options.progress && n > 0) options.progress(bytes);
    return n;
  };
  auto archive = walkImageArchive(counted, collector, what, want);
  if (!archive) return fail(archive.error());
  auto config = readImageConfig(archive->config_json);
  if (!config) return fail(config.error().wrap(what));

  ScanResult out;
  out.image = what;
  out.repo_tags = archive->repo_tags;
  out.architecture = config->architecture;
  out.os_name = config->os;
  out.bytes = archive->bytes;
  std::vector<const LayerRecord*> layers;
  for (std::size_t i = 0; i < archive->layer_blobs.size(); ++i) {
    const auto& blob = archive->layer_blobs[i];
    auto it = collector.layers().find(blob);
    if (it == collector.layers().end())
      return fail(ErrorCode::kInvalidArgument,
                  what + ": layer " + blob + " is listed in manifest.json but not in the archive");
    layers.push_back(&it->second);
    LayerInfo info;
    info.blob = blob;
    info.digest = i < config->diff_ids.size() ? config->diff_ids[i] : "";
    info.created_by = i < config->layer_history.size() ? config->layer_history[i] : "";
    info.entries = it->second.entries;
    info.bytes = it->second.bytes;
    out.entries += info.entries;
    out.layers.push_back(std::move(info));
  }

  for (std::size_t i = 0; i < layers.size(); ++i) {
    for (const auto& c : layers[i]->candidates) {
      auto removal = LayerCollector::supersededBy(layers, i, c.path);
      // A setuid file or an open directory matters only where it still is; a secret, in every layer.
      if (removal && c.rule_id != "SS412") continue;
      ImageFinding f;
      f.rule_id = c.rule_id;
      f.severity = c.severity;
      f.message = c.message;
      f.path = "/" + c.path;
      f.line = c.line;
      f.layer = static_cast<int>(i);
      if (removal) {
        f.removed_in_layer = removal->layer;
        f.removed_by_delete = removal->deleted;
        f.message += std::string(removal->deleted ? ", deleted" : ", replaced") + " in layer " +
                     std::to_string(removal->layer + 1) + " but still in the image (layer " + std::to_string(i + 1) +
                     " carries it)";
      }
      out.findings.push_back(std::move(f));
    }
  }
  for (auto& f : config->findings) out.findings.push_back(std::move(f));
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [](const ImageFinding& a, const ImageFinding& b) { return a.severity > b.severity; });

  out.packages = inventory(layers, &out.os);
  out.ecosystem = osvEcosystem(out.os);
  if (!options.vuln_db.empty()) {
    out.vuln_db = options.vuln_db;
    std::vector<std::string> ecosystems;
    if (!out.ecosystem.empty()) ecosystems.push_back(out.ecosystem);
    auto db = VulnerabilityDb::load(options.vuln_db, ecosystems);
    if (!db) return fail(db.error());
    out.vulnerabilities_checked = !out.ecosystem.empty();
    out.vuln_db_records = db->records();
    for (const auto& s : db->skipped()) out.warnings.push_back("skipped " + s);
    if (out.ecosystem.empty() && !out.packages.empty())
      out.warnings.push_back("the image's OS (" + (out.os.id.empty() ? std::string("no os-release") : out.os.id) +
                             ") has no OSV ecosystem here: vulnerabilities not checked");
    out.vulnerabilities = db->match(out.packages, out.ecosystem);
    std::stable_sort(out.vulnerabilities.begin(), out.vulnerabilities.end(),
                     [](const Vulnerability& a, const Vulnerability& b) {
                       return std::tie(b.severity, a.package, a.id) < std::tie(a.severity, b.package, b.id);
                     });
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Result<ScanResult> scanImage(docker::Client& client, const std::string& image, const ScanOptions& options) {
  auto inspect = client.inspectImage(image);
  if (!inspect) return fail(inspect.error());
  BytePipe pipe;
  Result<void> download = fail(ErrorCode::kInternal, "not downloaded");
  // The download runs on its own thread (curl pushes chunks); the walk pulls them from the pipe here.
  std::jthread downloader([&] {
    download = client.exportImage(inspect->id, [&](std::string_view chunk) { return pipe.write(chunk); });
    pipe.close();
  });
  auto result =
      scanArchive([&](char* buffer, std::size_t size) { return pipe.read(buffer, size); }, image, "", options);
  pipe.abort();  // whatever the walk did not need (or a failed walk): stop the download
  downloader.join();
  if (!result) {
    if (!download && download.error().code != ErrorCode::kCancelled) return fail(download.error());
    return fail(result.error());
  }
  result->image_id = inspect->id;
  if (result->repo_tags.empty()) result->repo_tags = inspect->repo_tags;
  return result;
}

Result<ScanResult> scanArchiveFile(const std::string& path, const std::string& want, const ScanOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  int read_errno = 0;
  auto result = scanArchive(
      [&](char* buffer, std::size_t size) -> std::size_t {
        for (;;) {
          ssize_t n = ::read(fd, buffer, size);
          if (n >= 0) return static_cast<std::size_t>(n);
          if (errno == EINTR) continue;
          read_errno = errno;
          return 0;
        }
      },
      path, want, options);
  ::close(fd);
  if (read_errno) return fail(ErrorCode::kIo, path + ": " + std::strerror(read_errno));
  return result;
}

std::optional<rules::Severity> worstSeverity(const ScanResult& result) {
  std::optional<rules::Severity> worst;
  for (const auto& f : result.findings)
    if (!worst || f.severity > *worst) worst = f.severity;
  for (const auto& v : result.vulnerabilities)
    if (!worst || v.severity > *worst) worst = v.severity;
  return worst;
}

}  // namespace shipshape::scan
