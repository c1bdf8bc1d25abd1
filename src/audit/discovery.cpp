#include "audit/discovery.h"

#include <algorithm>
#include <filesystem>

namespace shipshape::audit {
namespace fs = std::filesystem;

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

bool classifyName(const std::string& name, FileKind* kind) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "dockerfile" || startsWith(lower, "dockerfile.") || endsWith(lower, ".dockerfile")) {
    *kind = FileKind::kDockerfile;
    return true;
  }
  bool yaml = endsWith(lower, ".yml") || endsWith(lower, ".yaml");
  if (yaml && (startsWith(lower, "compose.") || startsWith(lower, "docker-compose.") ||
               startsWith(lower, "compose-") || startsWith(lower, "docker-compose-"))) {
    *kind = FileKind::kCompose;
    return true;
  }
  return false;
}

std::vector<InputFile> discoverInputs(const std::vector<std::string>& paths, std::vector<rules::InputError>* errors) {
  std::vector<InputFile> out;
  for (const auto& path : paths) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      errors->push_back({rules::Location::inFile(path), "no such file or directory"});
      continue;
    }
    if (fs::is_directory(status)) {
      std::vector<InputFile> found;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const auto& entry = *it;
        std::string name = entry.path().filename().string();
        if (entry.is_directory() && (name == ".git" || name == "node_modules")) {
          it.disable_recursion_pending();
          continue;
        }
        FileKind kind;
        if (entry.is_regular_file() && classifyName(name, &kind)) {
          std::string p = entry.path().string();
          if (startsWith(p, "./")) p = p.substr(2);
          found.push_back({p, kind});
        }
      }
      if (ec) errors->push_back({rules::Location::inFile(path), "cannot walk directory: " + ec.message()});
      std::sort(found.begin(), found.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
      out.insert(out.end(), found.begin(), found.end());
      continue;
    }
    FileKind kind;
    if (!classifyName(fs::path(path).filename().string(), &kind)) {
      kind = endsWith(path, ".yml") || endsWith(path, ".yaml") ? FileKind::kCompose : FileKind::kDockerfile;
    }
    out.push_back({path, kind});
  }
  return out;
}

}  // namespace shipshape::audit
