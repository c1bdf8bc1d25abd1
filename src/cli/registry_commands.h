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
  ExitCode runLogin();
  ExitCode runPush(const GlobalOptions& global);

  CLI::App *registry_ = nullptr, *check_ = nullptr, *login_ = nullptr, *push_ = nullptr;
  // push
  std::string push_image_, backoff_ = "1s";
  int retries_ = 4;
  // login
  std::string login_registry_, username_, secret_file_, helper_;
  bool password_stdin_ = false, allow_plaintext_ = false;
  std::vector<std::string> registries_;
  std::string image_;
  std::vector<std::string> insecure_;
  std::string expiry_window_ = "24h";
  int timeout_s_ = 10;
  bool json_ = false;
};

}  // namespace shipshape::cli
