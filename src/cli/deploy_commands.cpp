// shipshape proxy | adopt | deploy | rollback | releases: the deploy commands' command-line side. The work is
// in src/deploy; this file turns flags into requests and events into progress lines or JSON.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/text_table.h"
#include "common/format.h"
#include "deploy/deployer.h"
#include "deploy/proxy_host.h"
#include "report/release_report.h"
#include "serve/http_server.h"
#include "serve/listen_token.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::cli {
namespace {

using json = nlohmann::json;

std::string stateDirOf(const std::string& given) { return given.empty() ? store::defaultStateDir() : given; }

std::string actor() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(user ? user : std::to_string(::getuid())) + "@" + host;
}

// Progress: JSON lines on stdout (--json), else one line per step on stderr, coloured on a terminal.
deploy::EventSink progressSink(bool as_json) {
  bool colour = ::isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  return [as_json, colour](const deploy::DeployEvent& e) {
    if (as_json) {
      json j = {{"time", isoTimeMs(e.at_ms)}, {"service", e.service}, {"release", e.release_id}, {"step", e.step},
                {"status", e.status},          {"message", e.message}, {"duration_ms", e.duration_ms}};
      std::printf("%s\n", j.dump().c_str());
      std::fflush(stdout);
      return;
    }
    const char* mark = e.status == "ok" ? "ok  " : e.status == "failed" ? "FAIL" : e.status == "running" ? "... " : "    ";
    const char* on = "";
    const char* off = "";
    if (colour) {
      on = e.status == "ok" ? "\033[32m" : e.status == "failed" ? "\033[31m" : "\033[2m";
      off = "\033[0m";
    }
    std::string took = e.duration_ms > 0 ? " (" + formatDurationMs(e.duration_ms) + ")" : "";
    std::fprintf(stderr, "%s%s%s %-12s %s%s\n", on, mark, off, e.step.c_str(), e.message.c_str(), took.c_str());
  };
}

struct Stores {
  std::unique_ptr<store::ReleaseStore> releases;
  std::unique_ptr<store::IncidentStore> incidents;
};

Result<Stores> openStores(const std::string& state_dir) {
  auto incidents = store::IncidentStore::open(state_dir);
  if (!incidents) return fail(incidents.error());
  auto releases = store::ReleaseStore::open(state_dir);
  if (!releases) return fail(releases.error());
  return Stores{std::move(*releases), std::move(*incidents)};
}

// What deploy, rollback and adopt all need: the stores, an engine client, the proxy's admin socket.
struct DeployContext {
  Stores stores;
  std::unique_ptr<docker::Client> client;
  std::unique_ptr<deploy::AdminClient> admin;
};

Result<DeployContext> openDeployContext(const GlobalOptions& global, const std::string& given_state_dir) {
  std::string state_dir = stateDirOf(given_state_dir);
  auto stores = openStores(state_dir);
  if (!stores) return fail(stores.error());
  auto client = makeClient(global);
  if (!client) return fail(client.error());
  return DeployContext{std::move(*stores), std::move(*client),
                       std::make_unique<deploy::AdminClient>(deploy::adminSocketPath(state_dir))};
}

ExitCode finish(const Result<deploy::DeployResult>& result, bool as_json) {
  if (!result) {
    if (as_json) {
      std::printf("%s\n", json({{"step", "done"}, {"status", "error"}, {"message", result.error().describe()}}).dump().c_str());
    }
    printError(result.error());
    return ExitCode::kError;
  }
  // Failed and rolled-back deploys exit non-zero (unlike `docker service update` after an automatic rollback).
  return result->outcome == store::kPromoted ? ExitCode::kOk : ExitCode::kFailed;
}

ExitCode runDeployOrRollback(const GlobalOptions& global, const DeployOptions& options, bool rollback) {
  auto ctx = openDeployContext(global, options.state_dir);
  if (!ctx) {
    printError(ctx.error());
    return ExitCode::kError;
  }
  deploy::DeployRequest request;
  request.service = options.service;
  request.image = options.image;
  request.compose_files = options.compose_files;
  request.project_name = options.project_name;
  request.allow_mutable = options.allow_mutable;
  request.wait_for_bake = !options.detach;
  request.actor = actor();
  if (!options.bake.empty()) {
    std::int64_t ms = parseDurationMs(options.bake);
    if (ms < 0) {
      std::fprintf(stderr, "shipshape: --bake must be a duration like 0s, 30s, 5m\n");
      return ExitCode::kError;
    }
    request.bake_ms = ms;
  }
  deploy::Deployer deployer(*ctx->client, *ctx->stores.releases, *ctx->stores.incidents, *ctx->admin,
                            progressSink(options.json));
  auto result = rollback ? deployer.rollback(options.service, options.to, request) : deployer.deploy(request);
  if (result && !options.json) {
    std::fprintf(stderr, "%s: release %lld %s%s%s\n", options.service.c_str(), static_cast<long long>(result->release_id),
                 result->outcome.c_str(), result->reason.empty() ? "" : ": ", result->reason.c_str());
  }
  return finish(result, options.json);
}

volatile sig_atomic_t g_stop = 0;
void onStopSignal(int) { g_stop = 1; }

}  // namespace

ExitCode runDeploy(const GlobalOptions& global, const DeployOptions& options) {
  return runDeployOrRollback(global, options, false);
}

ExitCode runRollback(const GlobalOptions& global, const DeployOptions& options) {
  return runDeployOrRollback(global, options, true);
}

ExitCode runAdopt(const GlobalOptions& global, const AdoptOptions& options) {
  auto ctx = openDeployContext(global, options.state_dir);
  if (!ctx) {
    printError(ctx.error());
    return ExitCode::kError;
  }
  deploy::Deployer deployer(*ctx->client, *ctx->stores.releases, *ctx->stores.incidents, *ctx->admin,
                            progressSink(options.json));
  auto result = deployer.adopt({options.container, options.service, options.listen, options.port, options.health_path});
  return finish(result, options.json);
}

ExitCode runProxy(const GlobalOptions& global, const ProxyOptions& options) {
  std::string state_dir = stateDirOf(options.state_dir);
  auto stores = openStores(state_dir);
  if (!stores) {
    printError(stores.error());
    return ExitCode::kError;
  }
  // Before the admin socket exists: a SIGTERM that arrives as soon as it appears must still shut down cleanly
  // (and unlink it), not kill the process with the default action.
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  auto host = deploy::ProxyHost::start({.state_dir = state_dir, .docker_host = global.host, .threads = options.threads},
                                       *stores->releases, *stores->incidents);
  if (!host) {
    printError(host.error());
    return ExitCode::kError;
  }
  std::unique_ptr<serve::HttpServer> server;
  if (!options.listen.empty()) {
    serve::ServerOptions so{.listen = options.listen};
    auto token = serve::readListenToken(options.listen_token_file);
    if (!token) {
      printError(token.error());
      return ExitCode::kError;
    }
    so.token = *token;
    deploy::ProxyHost* h = host->get();
    so.routes["/metrics"] = [h](const serve::HttpRequest&) {
      return serve::HttpReply{.content_type = "text/plain; version=0.0.4; charset=utf-8", .body = h->metrics()};
    };
    auto started = serve::HttpServer::start(std::move(so));
    if (!started) {
      printError(started.error());
      return ExitCode::kError;
    }
    server = std::move(*started);
  }
  std::fprintf(stderr, "shipshape proxy: admin socket %s%s\n", (*host)->adminSocket().c_str(),
               server ? (", metrics on http://" + server->address() + "/metrics").c_str() : "");
  while (!g_stop) ::usleep(100 * 1000);
  return ExitCode::kOk;
}

ExitCode runReleases(const ReleasesOptions& options) {
  auto releases = store::ReleaseStore::open(stateDirOf(options.state_dir));
  if (!releases) {
    printError(releases.error());
    return ExitCode::kError;
  }
  auto rows = (*releases)->list(options.service);
  if (!rows) {
    printError(rows.error());
    return ExitCode::kError;
  }
  if (options.format == "json") {
    std::printf("%s\n", report::releasesJson(*rows).c_str());
    return ExitCode::kOk;
  }
  TextTable table({"RELEASE", "OUTCOME", "IMAGE", "DIGEST", "STARTED", "GATE", "DETECT", "ROLLBACK", "REASON"});
  for (const auto& r : *rows) {
    std::int64_t gate_ms = 0;
    for (const auto& g : r.gate) gate_ms += g.name == "bake" ? 0 : g.duration_ms;
    table.addRow({std::to_string(r.id), r.outcome + (r.rollback_of ? " (rollback to " + std::to_string(r.rollback_of) + ")" : ""),
                  r.image, shortId(r.digest.substr(r.digest.find('@') == std::string::npos ? 0 : r.digest.find('@') + 1)),
                  isoTimeMs(r.started_at_ms), gate_ms ? formatDurationMs(gate_ms) : "-",
                  r.detect_ms ? formatDurationMs(*r.detect_ms) : "-", r.rollback_ms ? formatDurationMs(*r.rollback_ms) : "-",
                  r.reason.size() > 60 ? r.reason.substr(0, 57) + "..." : r.reason});
  }
  std::fputs(table.render().c_str(), stdout);
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
