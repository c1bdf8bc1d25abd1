// The command line: global flags, subcommands, and the mapping of parse errors to exit codes.
// CLI11 is included here only, so that its large header is compiled once.
#include "cli/app.h"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/admit_command.h"
#include "cli/lab_command.h"
#include "cli/commands.h"
#include "cli/credential_helper.h"
#include "cli/registry_commands.h"
#include "cli/scan_command.h"
#include "cli/volume_commands.h"
#include "common/log.h"

namespace shipshape::cli {

int run(int argc, char** argv) {
  if (argc > 0 && isCredentialHelperName(argv[0])) return runCredentialHelper(argc, argv);
  CLI::App app{"shipshape: a production guardian for Docker hosts", "shipshape"};
  app.require_subcommand(1);
  // Global flags (-H, --timeout, --log-level) may also follow the subcommand, as with the docker CLI.
  app.fallthrough();
  app.set_version_flag("--version", std::string("shipshape ") + SHIPSHAPE_VERSION);

  GlobalOptions global;
  app.add_option("-H,--host", global.host, "Engine endpoint (unix:///path or tcp://host:port); default DOCKER_HOST")
      ->envname("SHIPSHAPE_HOST");
  app.add_option("--timeout", global.timeout_s, "Seconds to wait for each API request")->capture_default_str();
  app.add_option("--connect-timeout", global.connect_timeout_s, "Seconds to wait for the connection")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error|off")->capture_default_str();

  VersionOptions version_options;
  auto* version = app.add_subcommand("version", "Show client, engine and negotiated API versions");
  version->add_option("-f,--format", version_options.format, "table|json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  PsOptions ps_options;
  auto* ps = app.add_subcommand("ps", "List containers with state, health and resource limits");
  ps->add_option("-f,--format", ps_options.format, "table|json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  bool all_flag = true;
  ps->add_flag("-a,--all", all_flag, "Show all containers (the default: a stopped container is one start away)");
  ps->add_flag("--running", ps_options.running_only, "Only running containers");
  ps->add_flag("-q,--quiet", ps_options.quiet, "Only full container IDs");
  ps->add_option("--filter", ps_options.filters, "Engine filter key=value (repeatable), as docker ps --filter");

  AuditCommandOptions audit_options;
  auto* audit = app.add_subcommand("audit", "Find the conditions behind Docker production failures: Dockerfiles, "
                                            "Compose files and (--live) the engine");
  audit->add_option("paths", audit_options.paths, "Dockerfiles, Compose files or directories (default: .)");
  audit->add_flag("--live", audit_options.live, "Also audit the engine: daemon, containers, images, volumes");
  audit->add_option("-f,--format", audit_options.format, "table|json|sarif")
      ->check(CLI::IsMember({"table", "json", "sarif"}))
      ->capture_default_str();
  audit->add_option("--fail-on", audit_options.fail_on,
                    "Exit 1 when a finding is at or above: info|low|medium|high|critical|none (default high)");
  audit->add_option("--config", audit_options.config, "YAML file: rules to disable or re-grade, fail-on");

  std::string rules_format = "table";
  auto* rules_cmd = app.add_subcommand("rules", "List the audit's rules (IDs, severities, fixes, equivalents)");
  rules_cmd->add_option("-f,--format", rules_format, "table|json|md")
      ->check(CLI::IsMember({"table", "json", "md"}))
      ->capture_default_str();

  WatchOptions watch_options;
  auto* watch = app.add_subcommand("watch", "Guard this host until SIGTERM: heal unhealthy containers, catch crash "
                                            "loops, record incidents");
  watch->add_option("--state-dir", watch_options.state_dir,
                    "Where incidents are kept (default /var/lib/shipshape, or $XDG_STATE_HOME/shipshape)");
  watch->add_option("--config", watch_options.config, "YAML: autoheal, crash_loop, hooks (argv lists)");
  watch->add_option("--autoheal", watch_options.autoheal,
                    "Restart unhealthy containers: labelled (shipshape.autoheal=true; default), all, or off")
      ->check(CLI::IsMember({"labelled", "labeled", "all", "off"}));
  watch->add_option("--crash-loop-deaths", watch_options.crash_loop_deaths,
                    "Deaths within the window that make a crash loop (default 5)");
  watch->add_option("--crash-loop-window", watch_options.crash_loop_window_s, "Crash-loop window, seconds (300)");
  watch->add_option("--crash-loop-quiet", watch_options.crash_loop_quiet_s,
                    "Seconds without a death after which a crash loop is over (120)");
  watch->add_option("--drain-hook", watch_options.drain_hooks,
                    "Executable run (no shell) when the daemon goes down; repeatable")
      ->check(CLI::ExistingFile);
  watch->add_option("--daemon-log", watch_options.daemon_log,
                    "dockerd's log: a file, or journald[:UNIT][@DIR] (default unit docker.service), matched "
                    "against known failure signatures");
  watch->add_option("--disk-threshold", watch_options.disk_threshold_percent,
                    "Data-root space or inode use (percent) that opens a data-root-full incident")
      ->check(CLI::Range(1.0, 100.0))
      ->capture_default_str();
  watch->add_option("--listen", watch_options.listen,
                    "Serve /metrics and /healthz on HOST:PORT (loopback unless a token is set)");
  watch->add_option("--listen-token-file", watch_options.listen_token_file,
                    "File holding the bearer token /metrics and /healthz require (or SHIPSHAPE_LISTEN_TOKEN)");
  watch->add_option("--policy", watch_options.policy,
                    "On starvation: alert (default) or enforce (give unlimited offenders limits)")
      ->check(CLI::IsMember({"alert", "enforce"}));
  watch->add_option("--interval", watch_options.interval_s, "Resource sampling interval, seconds (1)")
      ->check(CLI::Range(0.1, 3600.0));
  watch->add_option("--host-root", watch_options.host_root,
                    "Where the host's /sys/fs/cgroup and /proc are mounted (in shipshape's container: /host); "
                    "default $SHIPSHAPE_HOST_ROOT or /");
  watch->add_flag("--no-proxy", watch_options.no_proxy,
                  "Do not host the deploy proxy (run `shipshape proxy` separately, or no deploys)");
  watch->add_option("--undrain-hook", watch_options.undrain_hooks,
                    "Executable run (no shell) when the daemon is back; repeatable")
      ->check(CLI::ExistingFile);

  TopOptions top_options;
  auto* top = app.add_subcommand("top", "Live resource view like docker stats, sorted by CPU, flagging containers "
                                        "without limits");
  top->add_option("--interval", top_options.interval_s, "Seconds between samples")->check(CLI::Range(0.2, 60.0))
      ->capture_default_str();
  top->add_option("--sort", top_options.sort, "cpu | memory | name")->check(CLI::IsMember({"cpu", "memory", "name"}))
      ->capture_default_str();
  top->add_flag("--no-stream", top_options.no_stream, "Print one table and exit (also when stdout is not a terminal)");
  top->add_option("--host-root", top_options.host_root, "Where the host's /sys/fs/cgroup and /proc are mounted");

  IncidentsOptions incidents_options;
  auto* incidents = app.add_subcommand("incidents", "What the guardian saw and did: list, or show ID as a STAR report");
  incidents->add_option("action", incidents_options.action, "list | show")->check(CLI::IsMember({"list", "show"}));
  incidents->add_option("id", incidents_options.id, "Incident ID (for show)");
  incidents->add_option("--state-dir", incidents_options.state_dir, "Where incidents are kept");
  incidents->add_option("-f,--format", incidents_options.format, "table|md|json (default: table; md for show)")
      ->check(CLI::IsMember({"table", "md", "json"}));
  incidents->add_option("--since", incidents_options.since, "Only incidents opened within this long: 90s, 30m, 2h, 7d");
  incidents->add_option("--container", incidents_options.container, "Only incidents about this container (name)");

  ProxyOptions proxy_options;
  auto* proxy = app.add_subcommand("proxy", "Run the deploy proxy alone (watch also hosts it): listeners per service, "
                                            "admin socket in the state dir");
  proxy->add_option("--state-dir", proxy_options.state_dir, "Where services, releases and incidents are kept");
  proxy->add_option("--listen", proxy_options.listen, "Serve /metrics (per-upstream counters) on HOST:PORT");
  proxy->add_option("--listen-token-file", proxy_options.listen_token_file, "Bearer token for /metrics");
  proxy->add_option("--threads", proxy_options.threads, "I/O threads (default: one per core)");

  AdoptOptions adopt_options;
  auto* adopt = app.add_subcommand("adopt", "Put a running container behind the proxy as release 1 of a service");
  adopt->add_option("container", adopt_options.container, "Container name or ID")->required();
  adopt->add_option("--service", adopt_options.service, "Service name (default: the container's name)");
  adopt->add_option("--listen", adopt_options.listen, "HOST:PORT the proxy serves (default: label shipshape.proxy.listen)");
  adopt->add_option("--port", adopt_options.port, "Container port (default: label shipshape.proxy.port or the exposed port)");
  adopt->add_option("--health-path", adopt_options.health_path, "HTTP probe path (label shipshape.health.path)");
  adopt->add_option("--state-dir", adopt_options.state_dir, "State directory of the proxy");
  adopt->add_flag("--json", adopt_options.json, "Events as JSON lines on stdout");

  DeployOptions deploy_options;
  auto* deploy_cmd = app.add_subcommand("deploy", "Zero-downtime, health-gated deploy: start-first candidate, gate, "
                                                  "switch, bake, drain; exit 1 when it failed or was rolled back");
  deploy_cmd->add_option("service", deploy_options.service, "Service (Compose service or adopted container)")->required();
  deploy_cmd->add_option("--image", deploy_options.image, "Image to deploy: name:tag or name@sha256:... "
                                                          "(default: the Compose file's image)");
  deploy_cmd->add_option("-f,--file", deploy_options.compose_files, "Compose file(s); default: the recorded definition");
  deploy_cmd->add_option("-p,--project-name", deploy_options.project_name, "Compose project name");
  deploy_cmd->add_flag("--allow-mutable", deploy_options.allow_mutable, "Accept :latest or untagged references");
  deploy_cmd->add_option("--bake", deploy_options.bake, "Bake window after the switch (default 5m; 0s: none)");
  deploy_cmd->add_flag("--detach", deploy_options.detach, "Return after the switch; the proxy host finishes the bake");
  deploy_cmd->add_flag("--json", deploy_options.json, "Events as JSON lines on stdout (for CI)");
  deploy_cmd->add_option("--state-dir", deploy_options.state_dir, "State directory of the proxy");

  DeployOptions rollback_options;
  auto* rollback = app.add_subcommand("rollback", "Deploy a known-good release again, through the same gate");
  rollback->add_option("service", rollback_options.service, "Service")->required();
  rollback->add_option("--to", rollback_options.to, "Release ID (default: the last known-good before the current)");
  rollback->add_option("--bake", rollback_options.bake, "Bake window after the switch (default: the service's)");
  rollback->add_flag("--detach", rollback_options.detach, "Return after the switch");
  rollback->add_flag("--json", rollback_options.json, "Events as JSON lines on stdout");
  rollback->add_option("--state-dir", rollback_options.state_dir, "State directory of the proxy");

  ReleasesOptions releases_options;
  auto* releases = app.add_subcommand("releases", "The release ledger of a service");
  releases->add_option("service", releases_options.service, "Service")->required();
  releases->add_option("-f,--format", releases_options.format, "table|json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  releases->add_option("--state-dir", releases_options.state_dir, "State directory");

  VolumeCommands volume_commands;
  volume_commands.add(app);
  RegistryCommands registry_commands;
  registry_commands.add(app);
  ScanCommand scan_command;
  scan_command.add(app);
  AdmitCommand admit_command;
  admit_command.add(app);
  LabCommand lab_command;
  lab_command.add(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return toInt(ExitCode::kError);
  }

  log::Level level;
  if (!log::parseLevel(global.log_level, &level)) {
    std::fprintf(stderr, "shipshape: --log-level '%s' is not one of trace|debug|info|warn|error|off\n",
                 global.log_level.c_str());
    return toInt(ExitCode::kError);
  }
  log::setLevel(level);

  if (version->parsed()) return toInt(runVersion(global, version_options));
  if (auto code = volume_commands.run(global)) return toInt(*code);
  if (auto code = registry_commands.run(global)) return toInt(*code);
  if (auto code = scan_command.run(global)) return toInt(*code);
  if (auto code = admit_command.run(global)) return toInt(*code);
  if (auto code = lab_command.run(global)) return toInt(*code);
  if (ps->parsed()) return toInt(runPs(global, ps_options));
  if (audit->parsed()) return toInt(runAudit(global, audit_options));
  if (rules_cmd->parsed()) return toInt(runRules(rules_format));
  if (watch->parsed()) return toInt(runWatch(global, watch_options));
  if (top->parsed()) return toInt(runTop(global, top_options));
  if (proxy->parsed()) return toInt(runProxy(global, proxy_options));
  if (adopt->parsed()) return toInt(runAdopt(global, adopt_options));
  if (deploy_cmd->parsed()) return toInt(runDeploy(global, deploy_options));
  if (rollback->parsed()) return toInt(runRollback(global, rollback_options));
  if (releases->parsed()) return toInt(runReleases(releases_options));
  if (incidents->parsed()) {
    if (incidents_options.action == "show" && incidents_options.id <= 0) {
      std::fprintf(stderr, "shipshape: incidents show needs an incident ID\n");
      return toInt(ExitCode::kError);
    }
    return toInt(runIncidents(incidents_options));
  }
  return toInt(ExitCode::kError);
}

}  // namespace shipshape::cli
