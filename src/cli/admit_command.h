// `shipshape admit`: the Docker Engine authorization plugin, in the foreground until SIGTERM/SIGINT.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

class AdmitCommand {
 public:
  // Adds the subcommand to `app`; the options live in this object, which must outlive parsing.
  void add(CLI::App& app);
  // The exit code when it was chosen on the command line, else nullopt.
  std::optional<ExitCode> run(const GlobalOptions& global);

 private:
  CLI::App* admit_ = nullptr;
  std::string mode_, config_, socket_ = "/run/docker/plugins/shipshape.sock", listen_, state_dir_;
  std::string daemon_json_ = "/etc/docker/daemon.json";
  int workers_ = 4;
  bool no_store_ = false;
};

}  // namespace shipshape::cli
