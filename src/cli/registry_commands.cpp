#include "cli/registry_commands.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "cli/progress_bar.h"
#include "cli/text_table.h"
#include "common/base64.h"
#include "common/file.h"
#include "common/format.h"
#include "registry/check.h"
#include "registry/credential_store.h"
#include "registry/credentials.h"
#include "registry/docker_config.h"
#include "registry/push.h"

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

  login_ = registry_->add_subcommand(
      "login", "Check a credential against the registry, then store it in a credential helper (never in config.json)");
  login_->add_option("registry", login_registry_, "Registry (HOST[:PORT]; docker.io for Docker Hub)")->required();
  login_->add_option("-u,--username", username_, "Username")->required();
  login_->add_flag("--password-stdin", password_stdin_, "Read the password or token from stdin");
  login_->add_option("--secret-file", secret_file_,
                     "A file holding the secret, read at every use (an orchestrator's /run/secrets/...; "
                     "docker-credential-shipshape only)");
  login_->add_option("--helper", helper_,
                     "Credential helper NAME (docker-credential-NAME; default: the configured one, else shipshape)");
  login_->add_flag("--allow-plaintext", allow_plaintext_, "Store base64 user:password in config.json instead");
  login_->add_option("--insecure-registry", insecure_, "Allow plain HTTP to this registry");
  login_->add_option("--timeout", timeout_s_, "Seconds per request and for the credential helper")
      ->check(CLI::Range(1, 300));
  registry_->require_subcommand(1);

  push_ = app.add_subcommand("push",
                             "Push an image: checked first, fresh credentials per attempt, retried on 5xx, resets and "
                             "expiry (never on denied), verified on the registry");
  push_->add_option("image", push_image_, "IMAGE[:TAG]")->required();
  push_->add_option("--retries", retries_, "Attempts after the first")->check(CLI::Range(0, 20))->capture_default_str();
  push_->add_option("--backoff", backoff_, "Wait before the first retry, doubled each time (at most 30s)")
      ->capture_default_str();
  push_->add_option("--insecure-registry", insecure_, "Allow plain HTTP to this registry");
  push_->add_option("--timeout", timeout_s_, "Seconds per registry request and for the credential helper")
      ->check(CLI::Range(1, 300));
  push_->add_flag("--json", json_, "One JSON result on stdout");
}

std::optional<ExitCode> RegistryCommands::run(const GlobalOptions& global) {
  if (check_->parsed()) return runCheck();
  if (login_->parsed()) return runLogin();
  if (push_->parsed()) return runPush(global);
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

namespace {

ExitCode loginError(const std::string& message) {
  std::fprintf(stderr, "shipshape registry login: %s\n", message.c_str());
  return ExitCode::kError;
}

// Rewrites config.json keeping everything else in it: the registry's credential goes to `helper` (or, with
// plaintext, into `auths`), and no secret for it stays behind in the file.
Result<void> pointConfigAt(const std::string& dir, const std::string& registry_name, const std::string& helper,
                           const std::string& plaintext_auth) {
  std::string path = dir + "/config.json";
  json doc = json::object();
  if (auto text = readFile(path)) {
    doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return fail(ErrorCode::kInvalidArgument, path + ": not a JSON object");
  } else if (text.error().code != ErrorCode::kNotFound) {
    return fail(text.error());
  }
  std::string key = registry::credentialKey(registry_name);
  auto same = [&](const std::string& k) { return registry::normalizeRegistry(k) == registry::normalizeRegistry(key); };
  if (doc.contains("auths") && doc["auths"].is_object()) {
    for (auto it = doc["auths"].begin(); it != doc["auths"].end();) {
      it = same(it.key()) ? doc["auths"].erase(it) : std::next(it);
    }
  }
  if (doc.contains("credHelpers") && doc["credHelpers"].is_object()) {
    for (auto it = doc["credHelpers"].begin(); it != doc["credHelpers"].end();) {
      it = same(it.key()) ? doc["credHelpers"].erase(it) : std::next(it);
    }
  }
  if (!plaintext_auth.empty()) {
    doc["auths"][key] = {{"auth", plaintext_auth}};
  } else {
    // The CLI's own marker: the registry is logged in, its secret lives in a helper.
    doc["auths"][key] = json::object();
    if (doc.value("credsStore", "") != helper) doc["credHelpers"][key] = helper;
  }
  std::error_code ec;
  if (!std::filesystem::exists(dir)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  return writeFileAtomic(path, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

ExitCode RegistryCommands::runLogin() {
  std::string host = registry::normalizeRegistry(login_registry_);
  if (password_stdin_ == !secret_file_.empty()) {
    return loginError("give the secret with exactly one of --password-stdin or --secret-file (never as an argument)");
  }
  std::string secret;
  if (password_stdin_) {
    secret.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = readFile(secret_file_);
    if (!text) return loginError(text.error().describe());
    secret = *text;
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return loginError("the secret is empty");

  std::string dir = registry::dockerConfigDir();
  auto config = registry::loadDockerConfig(dir);
  if (!config) return loginError(config.error().describe());
  std::string helper = helper_;
  if (helper.empty()) helper = registry::findCredHelper(*config, host).value_or(config->creds_store);
  if (helper.empty()) helper = "shipshape";
  if (!secret_file_.empty() && helper != "shipshape") {
    return loginError("--secret-file needs docker-credential-shipshape (the helper that reads the file at every use)");
  }
  std::string helper_path = allow_plaintext_ ? "" : registry::findHelper(helper);
  if (!allow_plaintext_ && helper_path.empty()) {
    return loginError("docker-credential-" + helper + " is not on PATH" +
                      (helper == "shipshape" ? "; install it with: ln -s \"$(command -v shipshape)\" "
                                               "/usr/local/bin/docker-credential-shipshape"
                                             : ""));
  }

  // The credential is tried before anything is stored: a wrong one never replaces a working one.
  registry::DockerConfig trial;
  trial.auths.push_back({.key = host, .username = username_, .password = secret});
  trial.path = "(the credential given to login)";
  registry::Verdict verdict = registry::checkRegistry(
      trial, {.registry = host, .insecure_registries = insecure_, .timeout = std::chrono::seconds(timeout_s_)});
  if (verdict.status != registry::Status::kOk && verdict.status != registry::Status::kExpiresSoon) {
    std::fprintf(stderr, "shipshape registry login: %s: %s: %s\nfix: %s\n", host.c_str(),
                 registry::statusName(verdict.status), verdict.detail.c_str(), verdict.fix.c_str());
    return ExitCode::kFailed;
  }

  std::string plaintext;
  if (allow_plaintext_) {
    plaintext = base64Encode(username_ + ":" + secret);
  } else if (helper == "shipshape") {
    registry::CredentialStore store(registry::CredentialStore::defaultDir());
    auto stored = store.store({registry::credentialKey(host), username_, secret_file_.empty() ? secret : "",
                               secret_file_.empty() ? "" : std::filesystem::absolute(secret_file_).string()});
    if (!stored) return loginError(stored.error().describe());
  } else {
    json input = {{"ServerURL", registry::credentialKey(host)}, {"Username", username_}, {"Secret", secret}};
    auto reply = registry::callHelper(helper_path, "store", input.dump(), std::chrono::seconds(timeout_s_));
    if (!reply) return loginError(reply.error().describe());
    if (reply->exit_code != 0) {
      std::string said = reply->out.empty() ? reply->err : reply->out;
      return loginError("docker-credential-" + helper + " store failed: " + said.substr(0, said.find('\n')));
    }
  }
  if (auto written = pointConfigAt(dir, host, helper, plaintext); !written) {
    return loginError(written.error().describe());
  }
  if (allow_plaintext_) {
    std::printf("Login Succeeded: %s stored in %s/config.json as base64 (plaintext, as you asked)\n", host.c_str(),
                dir.c_str());
  } else {
    std::printf("Login Succeeded: %s stored by docker-credential-%s; %s/config.json holds no secret%s\n", host.c_str(),
                helper.c_str(), dir.c_str(),
                verdict.status == registry::Status::kExpiresSoon ? (" (" + verdict.detail + ")").c_str() : "");
  }
  return ExitCode::kOk;
}

ExitCode RegistryCommands::runPush(const GlobalOptions& global) {
  std::int64_t backoff_ms = parseDurationMs(backoff_);
  if (backoff_ms < 0) return loginError("--backoff '" + backoff_ + "' is not a duration (500ms, 2s)");
  auto client = makeClient(global);
  if (!client) {
    std::fprintf(stderr, "shipshape: %s\n", client.error().describe().c_str());
    return ExitCode::kError;
  }
  registry::PushOptions options{.image = push_image_,
                                .retries = retries_,
                                .first_backoff = std::chrono::milliseconds(backoff_ms),
                                .insecure = insecure_,
                                .timeout = std::chrono::seconds(timeout_s_)};
  // On a terminal, a bar of the bytes sent across all layers under the engine's messages (silent otherwise).
  ProgressBar bar("push " + push_image_, -1);
  auto result = registry::push(
      **client, options,
      [&bar](std::string_view line) {
        bar.clear();
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
      },
      [&bar](std::int64_t done, std::int64_t total) {
        bar.setTotal(total > 0 ? total : -1);
        bar.update(done);
      });
  bar.finish();
  bool ok = result.outcome == registry::PushResult::Outcome::kPushed;
  if (json_) {
    json attempts = json::array();
    for (const auto& a : result.attempts) {
      attempts.push_back({{"attempt", a.number},
                          {"error", a.error.empty() ? json(nullptr) : json(a.error)},
                          {"cause", a.cause.empty() ? json(nullptr) : json(a.cause)},
                          {"retryable", a.retryable},
                          {"duration_ms", a.duration_ms},
                          {"backoff_ms", a.backoff_ms}});
    }
    json out = {{"image", push_image_},
                {"outcome", registry::outcomeName(result.outcome)},
                {"check",
                 {{"status", registry::statusName(result.verdict.status)},
                  {"detail", result.verdict.detail},
                  {"fix", result.verdict.fix.empty() ? json(nullptr) : json(result.verdict.fix)},
                  {"credential_source", result.verdict.credential_source}}},
                {"digest", result.digest.empty() ? json(nullptr) : json(result.digest)},
                {"registry_digest", result.registry_digest.empty() ? json(nullptr) : json(result.registry_digest)},
                {"attempts", attempts},
                {"retry_delay_ms", result.retry_delay_ms},
                {"duration_ms", result.duration_ms},
                {"error", result.error.empty() ? json(nullptr) : json(result.error)}};
    std::printf("%s\n", out.dump(2).c_str());
  } else if (ok) {
    std::printf("pushed %s %s (verified on the registry; %zu attempt%s, %s added by retries)\n", push_image_.c_str(),
                result.registry_digest.c_str(), result.attempts.size(), result.attempts.size() == 1 ? "" : "s",
                formatDurationMs(result.retry_delay_ms).c_str());
  } else {
    std::fprintf(stderr, "shipshape push: %s: %s\n", registry::outcomeName(result.outcome), result.error.c_str());
    if (result.outcome == registry::PushResult::Outcome::kRefused && !result.verdict.fix.empty()) {
      std::fprintf(stderr, "fix: %s\n", result.verdict.fix.c_str());
    }
  }
  if (ok) return ExitCode::kOk;
  return result.outcome == registry::PushResult::Outcome::kRefused && result.verdict.detail.empty() ? ExitCode::kError
                                                                                                    : ExitCode::kFailed;
}

}  // namespace shipshape::cli
