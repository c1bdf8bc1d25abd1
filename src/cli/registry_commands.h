// `shipshape registry check`: the flags and what runs them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

class RegistryCommands {
 public:
  // Adds the subcommands to `app`; the options live in this object, which must outlive parsing.
  void add(CLI::App& app);
  // The exit code when one of them was chosen on the command line, else nullopt.
  std::optional<ExitCode> run(const GlobalOptions& global);

 private:
  ExitCode runCheck();

  CLI::App *registry_ = nullptr, *check_ = nullptr;
  std::vector<std::string> registries_;
  std::string image_;
  std::vector<std::string> insecure_;
  std::string expiry_window_ = "24h";
  int timeout_s_ = 10;
  bool json_ = false;
};

}  // namespace shipshape::cli
