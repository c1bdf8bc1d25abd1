// The package inventory of an image's filesystem: the OS (/etc/os-release), dpkg's database
// (/var/lib/dpkg/status, and status.d/ as distroless images keep it) and apk's (/lib/apk/db/installed), and
// each package's purl. Pure parsers of the files' text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shipshape::scan {

struct OsRelease {
  std::string id;          // "debian", "alpine", "ubuntu"
  std::string version_id;  // "12", "3.20.3"
  std::string pretty_name;
  bool empty() const { return id.empty(); }
};

OsRelease parseOsRelease(std::string_view text);
// The OSV ecosystem for packages of this OS: "Debian:12", "Alpine:v3.20", "Ubuntu:22.04"; empty when unknown.
std::string osvEcosystem(const OsRelease& os);

struct Package {
  std::string type;  // "deb" or "apk" (the purl type)
  std::string name, version, arch;
  // The source package and its version: what OSV's Debian and Alpine records name. Equal to name/version
  // when the database does not say otherwise.
  std::string source, source_version;
  std::string db_path;  // the database file that lists it, in the image
  int layer = -1;       // the layer that installed this version (bottom = 0)
};

// Installed packages of a dpkg status file (or one status.d entry); others ("deinstall", "config-files")
// are skipped.
std::vector<Package> parseDpkgStatus(std::string_view text, const std::string& db_path);
std::vector<Package> parseApkInstalled(std::string_view text, const std::string& db_path);

// pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12 (the package-url spec's encoding).
std::string packageUrl(const Package& p, const OsRelease& os);

}  // namespace shipshape::scan
