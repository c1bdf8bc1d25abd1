// `shipshape volumes`, `backup`, `restore` and `backups`: their flags and what runs them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

class VolumeCommands {
 public:
  // Adds the subcommands to `app`; the options live in this object, which must outlive parsing.
  void add(CLI::App& app);
  // The exit code when one of them was chosen on the command line, else nullopt.
  std::optional<ExitCode> run(const GlobalOptions& global);

 private:
  ExitCode runList(const GlobalOptions& global);
  ExitCode runMigrate(const GlobalOptions& global);
  ExitCode runBackup(const GlobalOptions& global);
  ExitCode runRestore(const GlobalOptions& global);
  ExitCode runBackups();
  std::string backupDir(const std::string& given) const;

  CLI::App *volumes_ = nullptr, *volumes_list_ = nullptr, *migrate_ = nullptr, *backup_ = nullptr, *restore_ = nullptr,
           *backups_ = nullptr, *backups_list_ = nullptr, *verify_ = nullptr, *prune_ = nullptr;
  std::string format_ = "table";
  std::string dir_;
  std::string state_dir_;
  bool json_ = false;
  // backup
  std::vector<std::string> volumes_to_back_up_;
  std::string compress_ = "zstd", repo_, consistency_ = "auto";
  // restore / verify
  std::string backup_ref_, target_volume_;
  bool force_ = false;
  // backups list / prune
  std::string volume_filter_;
  int keep_last_ = 0, keep_daily_ = 0, keep_weekly_ = 0, keep_monthly_ = 0;
  bool dry_run_ = false;
  // migrate
  std::string container_, mountpoint_, new_name_;
  bool prune_old_ = false;
};

}  // namespace shipshape::cli
