#include "cli/registry_commands.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/text_table.h"
#include "common/format.h"
#include "registry/check.h"
#include "registry/docker_config.h"

namespace shipshape::cli {

using nlohmann::json;

void RegistryCommands::add(CLI::App& app) {
  registry_ = app.add_subcommand("registry", "Registries: why a push would fail, before it does");
  check_ = registry_->add_subcommand(
      "check", "One verdict per registry: credentials as the docker CLI resolves them, the auth flow, expiry");
  check_->add_option("registries", registries_,
                     "Registries (default: every one in the docker CLI's config.json, plus --image's)");
  check_->add_option("--image", image_, "Check the push scope of this image's repository (REPO[:TAG])");
  check_->add_option("--insecure-registry", insecure_,
                     "Allow plain HTTP to this registry (loopback always is, as in dockerd)");
  check_->add_option("--expiry-window", expiry_window_, "A credential expiring sooner is 'expires-soon'")
      ->capture_default_str();
  check_->add_option("--timeout", timeout_s_, "Seconds per request and for the credential helper")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  check_->add_flag("--json", json_, "A JSON array on stdout");
  registry_->require_subcommand(1);
}

std::optional<ExitCode> RegistryCommands::run(const GlobalOptions& /*global*/) {
  if (check_->parsed()) return runCheck();
  return std::nullopt;
}

ExitCode RegistryCommands::runCheck() {
  std::int64_t window_ms = parseDurationMs(expiry_window_);
  if (window_ms < 0) {
    std::fprintf(stderr, "shipshape: --expiry-window '%s' is not a duration (30m, 24h, 7d)\n", expiry_window_.c_str());
    return ExitCode::kError;
  }
  std::string dir = registry::dockerConfigDir();
  auto config = registry::loadDockerConfig(dir);
  if (!config) {
    std::fprintf(stderr, "shipshape: %s\n", config.error().describe().c_str());
    return ExitCode::kError;
  }
  std::vector<std::string> targets;
  for (const auto& r : registries_) targets.push_back(registry::normalizeRegistry(r));
  if (targets.empty()) targets = registry::configuredRegistries(*config);
  std::string repository;
  if (!image_.empty()) {
    std::string host = registry::registryOfImage(image_);
    repository = registry::repositoryOfImage(image_);
    if (std::find(targets.begin(), targets.end(), host) == targets.end()) targets.push_back(host);
  }
  if (targets.empty()) {
    std::fprintf(stderr, "shipshape: %s knows no registry; name one (shipshape registry check HOST[:PORT])\n",
                 (dir + "/config.json").c_str());
    return ExitCode::kError;
  }

  std::vector<registry::Verdict> verdicts;
  for (const auto& target : targets) {
    registry::CheckOptions options{
        .registry = target,
        // The push scope applies to the image's own registry only.
        .repository = !image_.empty() && registry::registryOfImage(image_) == target ? repository : "",
        .insecure_registries = insecure_,
        .expiry_window = std::chrono::seconds(window_ms / 1000),
        .timeout = std::chrono::seconds(timeout_s_),
    };
    verdicts.push_back(registry::checkRegistry(*config, options));
  }

  bool all_ok = true;
  for (const auto& v : verdicts) all_ok = all_ok && v.status == registry::Status::kOk;
  if (json_) {
    json out = json::array();
    for (const auto& v : verdicts) {
      out.push_back(
          {{"registry", v.registry},
           {"status", registry::statusName(v.status)},
           {"credential_source", v.credential_source},
           {"detail", v.detail},
           {"fix", v.fix.empty() ? json(nullptr) : json(v.fix)},
           {"expires_at", v.expires_at ? json(isoTimeMs(*v.expires_at * 1000)) : json(nullptr)},
           {"token_expires_at", v.token_expires_at ? json(isoTimeMs(*v.token_expires_at * 1000)) : json(nullptr)},
           {"url", v.url},
           {"duration_ms", v.duration_ms}});
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    TextTable table({"REGISTRY", "STATUS", "CREDENTIAL", "EXPIRES", "DETAIL"});
    for (const auto& v : verdicts) {
      table.addRow({v.registry, registry::statusName(v.status), v.credential_source,
                    v.expires_at ? isoTimeMs(*v.expires_at * 1000) : "-", v.detail});
    }
    std::printf("%s", table.render().c_str());
    for (const auto& v : verdicts) {
      if (!v.fix.empty()) std::printf("%s: fix: %s\n", v.registry.c_str(), v.fix.c_str());
    }
  }
  return all_ok ? ExitCode::kOk : ExitCode::kFailed;
}

}  // namespace shipshape::cli
