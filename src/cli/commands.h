// One function per subcommand; app.cpp wires them to the command line. Each returns the exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

struct VersionOptions {
  std::string format = "table";  // table | json
};
ExitCode runVersion(const GlobalOptions& global, const VersionOptions& options);

struct PsOptions {
  std::string format = "table";  // table | json
  bool running_only = false;
  bool quiet = false;
  std::vector<std::string> filters;  // key=value, as docker ps --filter
};
ExitCode runPs(const GlobalOptions& global, const PsOptions& options);

struct AuditCommandOptions {
  std::vector<std::string> paths;
  bool live = false;
  std::string format = "table";  // table | json | sarif
  std::string fail_on;           // severity or "none"; empty: the config's, else high
  std::string config;
};
ExitCode runAudit(const GlobalOptions& global, const AuditCommandOptions& options);

ExitCode runRules(const std::string& format);  // table | json | md

struct WatchOptions {
  std::string config;     // YAML (cli/watch_config.h); flags given on the command line win
  std::string state_dir;  // empty: store::defaultStateDir()
  std::string autoheal;   // labelled (default) | all | off
  int crash_loop_deaths = 0;  // 0: config, else 5
  double crash_loop_window_s = 0, crash_loop_quiet_s = 0;
  std::vector<std::string> drain_hooks, undrain_hooks;  // executables run without arguments
  std::string daemon_log;  // dockerd's log file, scanned for known failure signatures
  double disk_threshold_percent = 90;  // data-root space or inodes
  std::string listen;             // HOST:PORT for /metrics and /healthz; empty: config, else none
  std::string listen_token_file;  // bearer token (required off loopback); or SHIPSHAPE_LISTEN_TOKEN
  std::string policy;             // alert (default) | enforce
  double interval_s = 0;          // resource sampling; 0: config, else 1 s
  std::string host_root;          // where the host's /sys/fs/cgroup and /proc are (in a container: /host)
  bool no_proxy = false;          // do not host the deploy proxy
};
ExitCode runWatch(const GlobalOptions& global, const WatchOptions& options);

struct TopOptions {
  double interval_s = 1;
  std::string sort = "cpu";  // cpu | memory | name
  bool no_stream = false;
  std::string host_root;
};
ExitCode runTop(const GlobalOptions& global, const TopOptions& options);

struct IncidentsOptions {
  std::string action = "list";  // list | show
  std::int64_t id = 0;
  std::string state_dir;
  std::string format;  // table | md | json; default: table for list, md (STAR) for show
  std::string since;   // 90s, 30m, 2h, 7d
  std::string container;
};
ExitCode runIncidents(const IncidentsOptions& options);

struct ProxyOptions {
  std::string state_dir;
  std::string listen;  // /metrics on HOST:PORT; empty: none
  std::string listen_token_file;
  int threads = 0;
};
ExitCode runProxy(const GlobalOptions& global, const ProxyOptions& options);

struct DeployOptions {
  std::string service;
  std::string image;
  std::vector<std::string> compose_files;
  std::string project_name;
  std::string state_dir;
  bool allow_mutable = false;
  bool json = false;       // stream events as JSON lines on stdout
  bool detach = false;     // return after the switch; the proxy host finishes the bake
  std::string bake;        // duration overriding the service's bake window
  std::int64_t to = 0;     // rollback --to RELEASE
};
ExitCode runDeploy(const GlobalOptions& global, const DeployOptions& options);
ExitCode runRollback(const GlobalOptions& global, const DeployOptions& options);

struct AdoptOptions {
  std::string container, service, listen, health_path, state_dir;
  int port = 0;
  bool json = false;
};
ExitCode runAdopt(const GlobalOptions& global, const AdoptOptions& options);

struct ReleasesOptions {
  std::string service;
  std::string state_dir;
  std::string format = "table";  // table | json
};
ExitCode runReleases(const ReleasesOptions& options);

}  // namespace shipshape::cli
