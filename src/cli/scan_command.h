// `shipshape scan IMAGE...`: the flags and what runs them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

class ScanCommand {
 public:
  // Adds the subcommand to `app`; the options live in this object, which must outlive parsing.
  void add(CLI::App& app);
  // The exit code when it was chosen on the command line, else nullopt.
  std::optional<ExitCode> run(const GlobalOptions& global);

 private:
  CLI::App* scan_ = nullptr;
  std::vector<std::string> images_;
  std::string format_ = "table", vuln_db_, fail_on_ = "high", input_;
  int max_file_mib_ = 10;
};

}  // namespace shipshape::cli
