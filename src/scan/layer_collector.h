// What the scanner keeps of each layer as it streams past: its whiteouts and opaque directories, the paths it
// writes (hashed), the small files the inventory needs (package databases, os-release), and candidate
// findings (secrets, setuid/setgid files, world-writable directories). Which candidates survive to the final
// filesystem is decided once every layer is known (`supersededBy`), since the export's order is not the
// layers' order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "rules/finding.h"
#include "scan/image_archive.h"

namespace shipshape::scan {

struct Candidate {
  std::string rule_id;
  rules::Severity severity = rules::Severity::kInfo;
  std::string message;
  std::string path;  // no leading '/'
  int line = 0;
};

struct LayerRecord {
  std::unordered_set<std::string> whiteouts;    // deleted paths (and everything below them)
  std::unordered_set<std::string> opaque_dirs;  // directories whose lower contents are hidden
  std::unordered_set<std::uint64_t> written;    // hashes of the paths this layer has entries for
  std::map<std::string, std::string> captured;  // package databases and os-release: path -> content
  std::vector<Candidate> candidates;
  std::int64_t entries = 0, bytes = 0;
};

struct Removal {
  int layer = -1;
  bool deleted = false;  // false: replaced by a new entry at the same path
};

class LayerCollector : public LayerVisitor {
 public:
  explicit LayerCollector(std::int64_t max_secret_file) : max_secret_file_(max_secret_file) {}

  void beginLayer(const std::string& blob) override;
  void entry(const LayerEntry& e, const ReadFn& read) override;
  void endLayer() override;

  // By blob path. A blob the manifest lists but the export did not carry is missing here.
  const std::map<std::string, LayerRecord>& layers() const { return layers_; }

  static std::uint64_t pathHash(std::string_view path);
  // Whether the file at `path`, written by layers[index], is deleted or replaced by a layer above it.
  static std::optional<Removal> supersededBy(const std::vector<const LayerRecord*>& layers, std::size_t index,
                                             const std::string& path);
  // Whether a deletion of `path` by `layer` (a whiteout of it or a parent, an opaque parent) hides it.
  static bool hides(const LayerRecord& layer, const std::string& path);

 private:
  void scanContent(const LayerEntry& e, const ReadFn& read, LayerRecord& layer);

  std::int64_t max_secret_file_;
  std::map<std::string, LayerRecord> layers_;
  LayerRecord* current_ = nullptr;
};

// Paths whose content the inventory reads: os-release, dpkg's status and status.d/*, apk's installed.
bool isInventoryFile(std::string_view path);

}  // namespace shipshape::scan
