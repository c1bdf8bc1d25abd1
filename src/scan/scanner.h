// `shipshape scan`: one pass over an image's export (every layer, whiteouts included) that collects
// secrets in files, setuid/setgid files and world-writable directories, the image config's risks (the audit's
// rules where they overlap), the package inventory with each package's layer of origin, and the
// vulnerabilities an OSV database on disk knows for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/byte_pipe.h"
#include "common/result.h"
#include "rules/finding.h"
#include "scan/osv.h"
#include "scan/packages.h"

namespace shipshape::docker {
class Client;
}

namespace shipshape::scan {

struct ScanOptions {
  std::string vuln_db;                               // an OSV directory; empty: vulnerabilities not checked
  std::int64_t max_secret_file = 10 << 20;           // larger files are not searched for secrets
  std::function<void(std::int64_t bytes)> progress;  // bytes of the export read so far
};

struct LayerInfo {
  std::string digest;      // the layer's diff ID (sha256 of its uncompressed tar), from the config
  std::string blob;        // its path in the export
  std::string created_by;  // the history line that made it
  std::int64_t entries = 0, bytes = 0;
};

struct ImageFinding {
  std::string rule_id;
  rules::Severity severity = rules::Severity::kInfo;
  std::string message;  // values redacted
  std::string path;     // in the image's filesystem ("/root/.ssh/id_rsa"); empty for config findings
  int line = 0;
  int layer = -1;  // bottom = 0; -1 for the image config
  // A file deleted or replaced by a later layer is gone from containers but not from the image: its layer
  // still carries it.
  int removed_in_layer = -1;
  bool removed_by_delete = false;
};

struct ScanResult {
  std::string image;  // as asked
  std::string image_id;
  std::vector<std::string> repo_tags;
  std::string architecture, os_name;
  OsRelease os;
  std::string ecosystem;  // OSV's, "" when unknown
  std::vector<LayerInfo> layers;
  std::vector<Package> packages;
  std::vector<ImageFinding> findings;
  std::vector<Vulnerability> vulnerabilities;
  bool vulnerabilities_checked = false;
  std::string vuln_db;
  std::size_t vuln_db_records = 0;
  std::vector<std::string> warnings;  // unreadable database files, ...
  std::int64_t bytes = 0, entries = 0;
  double seconds = 0;
};

// Reads a `docker save` stream from `read`; `what` names it in errors; `want` picks a tag when the archive
// holds several images.
Result<ScanResult> scanArchive(const ReadFn& read, const std::string& what, const std::string& want,
                               const ScanOptions& options);
// Streams GET /images/{name}/get from the engine through scanArchive (a bounded pipe between the download
// and the walk: memory does not grow with the image).
Result<ScanResult> scanImage(docker::Client& client, const std::string& image, const ScanOptions& options);
// A `docker save` file (plain or compressed).
Result<ScanResult> scanArchiveFile(const std::string& path, const std::string& want, const ScanOptions& options);

// The worst severity among findings and vulnerabilities; nullopt when there are none.
std::optional<rules::Severity> worstSeverity(const ScanResult& result);

}  // namespace shipshape::scan
