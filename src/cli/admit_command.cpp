#include "cli/admit_command.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "admit/admission.h"
#include "admit/authz_message.h"
#include "admit/plugin_server.h"
#include "serve/http_server.h"
#include "store/incident_store.h"

namespace shipshape::cli {

void AdmitCommand::add(CLI::App& app) {
  admit_ = app.add_subcommand("admit",
                              "Docker Engine authorization plugin: refuse containers that break the live "
                              "audit's rules before they exist (runs until SIGTERM)");
  admit_->add_option("--mode", mode_, "enforce (deny) or warn (allow and record); default: the config's, else enforce")
      ->check(CLI::IsMember({"enforce", "warn"}));
  admit_->add_option("--config", config_, "Policy YAML: mode, deny, min_severity, exempt, judge");
  admit_->add_option("--socket", socket_, "Plugin socket; dockerd finds /run/docker/plugins/NAME.sock as NAME")
      ->capture_default_str();
  admit_->add_option("--listen", listen_, "Serve /metrics on HOST:PORT (loopback; e.g. 127.0.0.1:9324)");
  admit_->add_option("--state-dir", state_dir_, "Where denials and warnings are recorded as incidents");
  admit_->add_flag("--no-store", no_store_, "Do not record incidents");
  admit_->add_option("--daemon-json", daemon_json_, "The engine's daemon.json (no-new-privileges default)")
      ->capture_default_str();
  admit_->add_option("--workers", workers_, "Threads that judge requests")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

std::optional<ExitCode> AdmitCommand::run(const GlobalOptions& global) {
  if (!admit_ || !admit_->parsed()) return std::nullopt;
  admit::AdmissionOptions options;
  if (!config_.empty()) {
    auto config = admit::loadAdmitConfig(config_);
    if (!config) {
      printError(config.error());
      return ExitCode::kError;
    }
    options.config = std::move(*config);
  }
  if (!mode_.empty()) options.config.mode = *admit::parseMode(mode_);  // CLI11 checked the word
  options.daemon_json = daemon_json_;
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  options.engine = (*client)->endpoint();
  client->reset();

  std::unique_ptr<store::IncidentStore> incidents;
  if (!no_store_) {
    auto opened = store::IncidentStore::open(state_dir_.empty() ? store::defaultStateDir() : state_dir_);
    if (!opened) {
      printError(opened.error());
      return ExitCode::kError;
    }
    incidents = std::move(*opened);
    options.store = incidents.get();
  }

  // Block the stop signals before any thread starts, so that every thread inherits the mask and this one
  // takes them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Start-up order: judgement, plugin socket, metrics; teardown in reverse.
  admit::Admission admission(std::move(options));
  admission.startImageCache();
  admit::PluginServerOptions server_options;
  server_options.socket_path = socket_;
  server_options.workers = workers_;
  // Everything but a judged AuthZReq is answered on the I/O thread; unknown paths fall through to a 404.
  server_options.at_once = [&admission](const std::string& path,
                                        const std::string& body) -> std::optional<std::string> {
    if (path == "/Plugin.Activate") return admit::activationAnswer();
    if (path == "/AuthZPlugin.AuthZReq") return admission.answerAtOnce(body);
    // Responses are not judged: the request was.
    if (path == "/AuthZPlugin.AuthZRes") return admit::authzAnswer(true);
    return std::nullopt;
  };
  server_options.handle = [&admission](const std::string& path, const std::string& body) -> std::optional<std::string> {
    if (path == "/AuthZPlugin.AuthZReq") return admission.authzRequest(body);
    return std::nullopt;
  };
  auto server = admit::PluginServer::start(std::move(server_options));
  if (!server) {
    printError(server.error());
    return ExitCode::kError;
  }
  std::unique_ptr<serve::HttpServer> metrics;
  if (!listen_.empty()) {
    serve::ServerOptions metrics_options;
    metrics_options.listen = listen_;
    metrics_options.routes["/metrics"] = [&admission](const serve::HttpRequest&) {
      return serve::HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", admission.renderMetrics()};
    };
    auto started = serve::HttpServer::start(std::move(metrics_options));
    if (!started) {
      printError(started.error());
      return ExitCode::kError;
    }
    metrics = std::move(*started);
  }
  std::fprintf(stderr, "shipshape admit: authorization plugin on %s (mode %s)%s%s\n", (*server)->socketPath().c_str(),
               admit::modeName(admission.mode()), metrics ? ", metrics on http://" : "",
               metrics ? (metrics->address() + "/metrics").c_str() : "");
  std::fflush(stderr);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  metrics.reset();
  server->reset();
  std::fprintf(stderr, "shipshape admit: stopped; %llu allowed, %llu denied, %llu warned, %llu exempt\n",
               static_cast<unsigned long long>(admission.count(admit::Verdict::Kind::kAllow)),
               static_cast<unsigned long long>(admission.count(admit::Verdict::Kind::kDeny)),
               static_cast<unsigned long long>(admission.count(admit::Verdict::Kind::kWarn)),
               static_cast<unsigned long long>(admission.count(admit::Verdict::Kind::kExempt)));
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
