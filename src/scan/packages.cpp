#include "scan/packages.h"

#include <cctype>

#include "common/percent_encoding.h"

namespace shipshape::scan {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls `line` for each line without its newline.
template <typename F>
void eachLine(std::string_view text, F&& line) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

OsRelease parseOsRelease(std::string_view text) {
  OsRelease os;
  eachLine(text, [&](std::string_view line) {
    line = trim(line);
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq), value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (key == "ID") os.id = value;
    if (key == "VERSION_ID") os.version_id = value;
    if (key == "PRETTY_NAME") os.pretty_name = value;
  });
  return os;
}

std::string osvEcosystem(const OsRelease& os) {
  if (os.id == "debian" && !os.version_id.empty()) return "Debian:" + os.version_id.substr(0, os.version_id.find('.'));
  if (os.id == "alpine" && !os.version_id.empty()) {
    auto first = os.version_id.find('.');
    auto second = first == std::string::npos ? std::string::npos : os.version_id.find('.', first + 1);
    return "Alpine:v" + os.version_id.substr(0, second);
  }
  if (os.id == "ubuntu" && !os.version_id.empty()) return "Ubuntu:" + os.version_id;
  return "";
}

std::vector<Package> parseDpkgStatus(std::string_view text, const std::string& db_path) {
  std::vector<Package> out;
  Package current;
  std::string status;
  auto flush = [&]() {
    // "install ok installed" (or "hold ok installed"): the last word is the state.
    bool installed = status.size() >= 10 && status.compare(status.size() - 10, 10, " installed") == 0;
    if (installed && !current.name.empty() && !current.version.empty()) {
      current.type = "deb";
      if (current.source.empty()) current.source = current.name;
      if (current.source_version.empty()) current.source_version = current.version;
      current.db_path = db_path;
      out.push_back(std::move(current));
    }
    current = Package{};
    status.clear();
  };
  eachLine(text, [&](std::string_view line) {
    if (trim(line).empty()) return flush();
    if (line[0] == ' ' || line[0] == '\t') return;  // a continuation (Description, Conffiles)
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view key = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (key == "Package")
      current.name = value;
    else if (key == "Version")
      current.version = value;
    else if (key == "Architecture")
      current.arch = value;
    else if (key == "Status")
      status = value;
    else if (key == "Source") {
      // "openssl" or "openssl (3.0.11-1~deb12u1)" when the source's version differs.
      auto paren = value.find('(');
      current.source = trim(value.substr(0, paren));
      if (paren != std::string_view::npos) {
        auto close = value.find(')', paren);
        current.source_version =
            trim(value.substr(paren + 1, close == std::string_view::npos ? close : close - paren - 1));
      }
    }
  });
  flush();
  return out;
}

std::vector<Package> parseApkInstalled(std::string_view text, const std::string& db_path) {
  std::vector<Package> out;
  Package current;
  auto flush = [&]() {
    if (!current.name.empty() && !current.version.empty()) {
      current.type = "apk";
      if (current.source.empty()) current.source = current.name;
      current.source_version = current.version;
      current.db_path = db_path;
      out.push_back(std::move(current));
    }
    current = Package{};
  };
  eachLine(text, [&](std::string_view line) {
    if (trim(line).empty()) return flush();
    if (line.size() < 2 || line[1] != ':') return;
    std::string_view value = line.substr(2);
    switch (line[0]) {
      case 'P': current.name = value; break;
      case 'V': current.version = value; break;
      case 'A': current.arch = value; break;
      case 'o': current.source = value; break;  // origin: the aport, which Alpine's advisories name
      default: break;
    }
  });
  flush();
  return out;
}

std::string packageUrl(const Package& p, const OsRelease& os) {
  std::string ns = p.type == "apk" ? (os.id.empty() ? "alpine" : os.id) : (os.id.empty() ? "debian" : os.id);
  std::string purl =
      "pkg:" + p.type + "/" + percentEncode(ns) + "/" + percentEncode(p.name) + "@" + percentEncode(p.version);
  std::string qualifiers;
  auto add = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    qualifiers += (qualifiers.empty() ? "?" : "&") + std::string(key) + "=" + percentEncode(value);
  };
  add("arch", p.arch);
  if (!os.empty()) add("distro", os.id + "-" + os.version_id);
  if (p.source != p.name) add("upstream", p.source);
  return purl + qualifiers;
}

}  // namespace shipshape::scan
