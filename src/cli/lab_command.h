// `shipshape lab [SCENARIO...|all] [--json] [--keep] [--report FILE.md]`: the game day.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

class LabCommand {
 public:
  void add(CLI::App& app);
  std::optional<ExitCode> run(const GlobalOptions& global);

 private:
  CLI::App* lab_ = nullptr;
  std::vector<std::string> scenarios_;
  std::string report_, image_ = "shipshape/testapp:dev", work_dir_;
  bool json_ = false, keep_ = false;
};

}  // namespace shipshape::cli
