// shipshape scan IMAGE... [-f table|json|sarif|cyclonedx] [--vuln-db DIR] [--fail-on SEV] [--input FILE]
#include "cli/scan_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>

#include "cli/progress_bar.h"
#include "docker/client.h"
#include "report/scan_report.h"
#include "scan/scanner.h"

namespace shipshape::cli {
namespace {

std::string uuid4() {
  std::random_device rd;
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(rd());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

}  // namespace

void ScanCommand::add(CLI::App& app) {
  scan_ = app.add_subcommand("scan",
                             "Scan images: secrets in every layer, setuid files, config risks, packages (SBOM) and "
                             "known vulnerabilities from an OSV database; exit 1 at --fail-on");
  scan_->add_option("images", images_, "Images (name[:tag], ID or name@digest) as the engine knows them");
  scan_->add_option("-f,--format", format_, "table|json|sarif|cyclonedx")
      ->check(CLI::IsMember({"table", "json", "sarif", "cyclonedx"}))
      ->capture_default_str();
  scan_->add_option("--vuln-db", vuln_db_,
                    "OSV database directory (default: $SHIPSHAPE_VULN_DB, else /var/lib/shipshape/osv if present)");
  scan_->add_option("--fail-on", fail_on_, "Exit 1 when anything is at or above: info|low|medium|high|critical|none")
      ->capture_default_str();
  scan_->add_option("--input", input_, "Scan a `docker save` archive file instead of asking the engine");
  scan_->add_option("--max-file-size", max_file_mib_, "MiB: larger files are not searched for secrets")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
}

std::optional<ExitCode> ScanCommand::run(const GlobalOptions& global) {
  if (scan_ == nullptr || !scan_->parsed()) return std::nullopt;
  rules::Severity threshold = rules::Severity::kHigh;
  bool never_fail = fail_on_ == "none";
  if (!never_fail && !rules::parseSeverity(fail_on_, &threshold)) {
    std::fprintf(stderr, "shipshape: --fail-on must be info|low|medium|high|critical|none\n");
    return ExitCode::kError;
  }
  if (images_.empty() && input_.empty()) {
    std::fprintf(stderr, "shipshape scan: name an image (or --input FILE)\n");
    return ExitCode::kError;
  }
  std::size_t count = images_.size() + (input_.empty() ? 0 : 1);
  if (format_ == "cyclonedx" && count != 1) {
    std::fprintf(stderr, "shipshape scan: -f cyclonedx describes one image; scan them one at a time\n");
    return ExitCode::kError;
  }
  scan::ScanOptions options;
  options.vuln_db = vuln_db_;
  if (options.vuln_db.empty()) {
    if (const char* env = std::getenv("SHIPSHAPE_VULN_DB"); env && *env)
      options.vuln_db = env;
    else if (::access("/var/lib/shipshape/osv", R_OK | X_OK) == 0)
      options.vuln_db = "/var/lib/shipshape/osv";
  }
  options.max_secret_file = static_cast<std::int64_t>(max_file_mib_) << 20;

  std::vector<scan::ScanResult> results;
  auto scanOne = [&](const std::string& label, std::int64_t total, auto&& how) -> bool {
    ProgressBar bar("scanning " + label, total);
    options.progress = [&](std::int64_t bytes) { bar.update(bytes); };
    auto result = how();
    bar.finish();
    if (!result) {
      printError(result.error());
      return false;
    }
    results.push_back(std::move(*result));
    return true;
  };
  if (!input_.empty()) {
    if (!scanOne(input_, -1, [&] { return scan::scanArchiveFile(input_, "", options); })) return ExitCode::kError;
  }
  if (!images_.empty()) {
    auto client = makeClient(global);
    if (!client) {
      printError(client.error());
      return ExitCode::kError;
    }
    for (const auto& image : images_) {
      auto inspect = (*client)->inspectImage(image);
      std::int64_t total = inspect ? inspect->size : -1;
      if (!scanOne(image, total, [&] { return scan::scanImage(**client, image, options); })) return ExitCode::kError;
    }
  }

  if (format_ == "json") {
    std::fputs(report::scanJson(results).c_str(), stdout);
  } else if (format_ == "sarif") {
    std::fputs(report::scanSarif(results).c_str(), stdout);
  } else if (format_ == "cyclonedx") {
    std::fputs(report::scanCycloneDx(results.front(), "urn:uuid:" + uuid4(), utcNow()).c_str(), stdout);
  } else {
    bool colour = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    std::fputs(report::scanTable(results, colour).c_str(), stdout);
  }
  for (const auto& r : results)
    for (const auto& w : r.warnings)
      if (format_ != "table") std::fprintf(stderr, "shipshape scan: %s: %s\n", r.image.c_str(), w.c_str());
  if (never_fail) return ExitCode::kOk;
  for (const auto& r : results)
    if (auto worst = scan::worstSeverity(r); worst && *worst >= threshold) return ExitCode::kFailed;
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
