#include "volumes/restic.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

extern char** environ;

namespace shipshape::volumes {
namespace {

// restic's last error line ("Fatal: wrong password or no key found") is the message a user needs.
std::string lastLine(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.find("\"message_type\"") == std::string::npos) last = line;
  }
  return last.empty() ? "(no message)" : last;
}

Error resticFailed(const std::string& what, int exit_code, const PipedProcess& p) {
  return Error{ErrorCode::kApi,
               "restic " + what + " failed (exit " + std::to_string(exit_code) + "): " + lastLine(p.collectedStderr())};
}

}  // namespace

Result<ResticTarget> parseResticTarget(const std::string& value) {
  std::string repo = value;
  if (repo.starts_with("restic:")) repo.erase(0, 7);
  if (repo.empty()) {
    const char* env = std::getenv("RESTIC_REPOSITORY");
    if (env != nullptr) repo = env;
  }
  if (repo.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--repo restic:PATH needs a repository (or RESTIC_REPOSITORY)");
  }
  return ResticTarget{repo};
}

Result<std::string> resticBinary() {
  if (const char* explicit_path = std::getenv("SHIPSHAPE_RESTIC"); explicit_path && *explicit_path) {
    return std::string(explicit_path);
  }
  std::string path = minimalCommandEnvironment()["PATH"];
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/restic";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return fail(ErrorCode::kUnsupported, "restic is not installed (apt-get install restic), or set SHIPSHAPE_RESTIC");
}

std::map<std::string, std::string> resticEnvironment(const ResticTarget& target) {
  std::map<std::string, std::string> env;
  static const char* kPrefixes[] = {"RESTIC_", "AWS_", "B2_", "AZURE_", "GOOGLE_", "OS_", "ST_"};
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(kv.substr(0, eq));
    for (const char* prefix : kPrefixes) {
      if (key.starts_with(prefix)) env[key] = std::string(kv.substr(eq + 1));
    }
  }
  env["RESTIC_REPOSITORY"] = target.repository;
  // restic keeps its cache under $XDG_CACHE_HOME or $HOME/.cache; the child's HOME is /, so say where the
  // user's own cache is, as restic run by hand would have found it.
  if (!env.contains("RESTIC_CACHE_DIR")) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    if (xdg != nullptr && *xdg) {
      env["RESTIC_CACHE_DIR"] = std::string(xdg) + "/restic";
    } else if (home != nullptr && *home) {
      env["RESTIC_CACHE_DIR"] = std::string(home) + "/.cache/restic";
    }
  }
  return env;
}

Result<std::unique_ptr<PipedProcess>> startResticBackup(const ResticTarget& target, const std::string& volume,
                                                        const std::string& host_tag) {
  auto restic = resticBinary();
  if (!restic) return fail(restic.error());
  std::vector<std::string> argv = {*restic,         "backup", "--json",    "--stdin", "--stdin-filename",
                                   volume + ".tar", "--tag",  "shipshape", "--tag",   "volume=" + volume};
  if (!host_tag.empty()) argv.insert(argv.end(), {"--host", host_tag});
  return PipedProcess::spawn(argv, resticEnvironment(target), {});
}

Result<std::string> finishResticBackup(PipedProcess& process) {
  int code = process.wait();
  if (code != 0) return fail(resticFailed("backup", code, process));
  std::istringstream out(process.collectedStdout());
  std::string line;
  while (std::getline(out, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("message_type", "") == "summary" && j.contains("snapshot_id")) {
      return j["snapshot_id"].get<std::string>();
    }
  }
  return fail(ErrorCode::kProtocol, "restic backup succeeded but printed no snapshot ID");
}

Result<std::unique_ptr<PipedProcess>> startResticDump(const ResticTarget& target, const std::string& snapshot,
                                                      const std::string& volume) {
  auto restic = resticBinary();
  if (!restic) return fail(restic.error());
  return PipedProcess::spawn({*restic, "dump", "--quiet", snapshot, "/" + volume + ".tar"}, resticEnvironment(target),
                             {.read_stdout = true});
}

Result<void> finishResticDump(PipedProcess& process) {
  int code = process.wait();
  if (code != 0) return fail(resticFailed("dump", code, process));
  return {};
}

Result<void> resticInit(const ResticTarget& target) {
  auto restic = resticBinary();
  if (!restic) return fail(restic.error());
  auto p = PipedProcess::spawn({*restic, "init"}, resticEnvironment(target), {});
  if (!p) return fail(p.error());
  int code = (*p)->wait();
  if (code != 0) return fail(resticFailed("init", code, **p));
  return {};
}

}  // namespace shipshape::volumes
