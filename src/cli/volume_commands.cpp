#include "cli/volume_commands.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/progress_bar.h"
#include "cli/text_table.h"
#include "common/format.h"
#include "store/incident_store.h"
#include "volumes/backup.h"
#include "volumes/backup_catalog.h"
#include "volumes/inventory.h"
#include "volumes/migrate.h"
#include "volumes/restore.h"

namespace shipshape::cli {

using nlohmann::json;

namespace {

// Unknown volume, container or backup, and bad usage: exit 2. A verification that found a difference: 1.
ExitCode report(const Error& error) {
  printError(error);
  return ExitCode::kError;
}

std::string age(std::time_t then, std::time_t now) {
  if (then == 0) return "never";
  return formatDurationMs((now - then) * 1000) + " ago";
}

std::string isoTime(std::time_t t) {
  if (t == 0) return "";
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

void VolumeCommands::add(CLI::App& app) {
  volumes_ = app.add_subcommand("volumes", "Volumes: who mounts them, their backups and risks; migrate anonymous ones");
  volumes_->add_option("-f,--format", format_, "table|json")->check(CLI::IsMember({"table", "json"}));
  volumes_->add_option("--backup-dir", dir_, "Where backups are (default $SHIPSHAPE_BACKUP_DIR or <state>/backups)");
  volumes_list_ = volumes_->add_subcommand("list", "Every volume (the default)");
  volumes_list_->add_option("-f,--format", format_, "table|json")->check(CLI::IsMember({"table", "json"}));
  migrate_ = volumes_->add_subcommand("migrate", "Move a container's anonymous volume(s) to named ones, verified");
  migrate_->add_option("container", container_, "Container")->required();
  migrate_->add_option("--volume", mountpoint_, "Only the volume mounted here (default: every anonymous one)");
  migrate_->add_option("--name", new_name_, "Name of the new volume (default: <container>-<path>)");
  migrate_->add_flag("--prune-old", prune_old_, "Remove the old anonymous volume once the container runs on the new");
  migrate_->add_flag("--json", json_, "One JSON result on stdout");
  volumes_->require_subcommand(0, 1);

  backup_ = app.add_subcommand("backup", "Back up volumes: streamed, compressed, with a verified manifest");
  backup_->add_option("volumes", volumes_to_back_up_, "Volume names")->required();
  backup_->add_option("--to", dir_, "Backup directory (default $SHIPSHAPE_BACKUP_DIR or <state>/backups)");
  backup_->add_option("--compress", compress_, "zstd|gzip|none")
      ->check(CLI::IsMember({"zstd", "gzip", "none"}))
      ->capture_default_str();
  backup_->add_option("--repo", repo_, "restic:PATH (or restic: for RESTIC_REPOSITORY): back up into restic");
  backup_->add_option("--consistency", consistency_, "auto|stop|hook|none")
      ->check(CLI::IsMember({"auto", "stop", "hook", "none"}))
      ->capture_default_str();
  backup_->add_option("--state-dir", state_dir_, "State directory");
  backup_->add_flag("--json", json_, "One JSON result per volume on stdout");

  restore_ = app.add_subcommand("restore", "Restore a backup into a volume and verify every file");
  restore_->add_option("backup", backup_ref_, "Manifest or archive path, VOLUME@TIMESTAMP, or VOLUME (newest)")
      ->required();
  restore_->add_option("--volume", target_volume_, "Target volume (new or empty)")->required();
  restore_->add_flag("--force", force_, "Replace a non-empty volume: restore beside it, verify, save it, swap");
  restore_->add_option("--from", dir_, "Backup directory");
  restore_->add_option("--state-dir", state_dir_, "State directory");
  restore_->add_flag("--json", json_, "One JSON result on stdout");

  backups_ = app.add_subcommand("backups", "List, verify and prune backups");
  backups_->add_option("--dir", dir_, "Backup directory");
  backups_->add_option("--state-dir", state_dir_, "State directory");
  backups_list_ = backups_->add_subcommand("list", "Backups, oldest first");
  backups_list_->add_option("volume", volume_filter_, "Only this volume's");
  backups_list_->add_option("-f,--format", format_, "table|json")->check(CLI::IsMember({"table", "json"}));
  verify_ = backups_->add_subcommand("verify", "Check a backup against its manifest (checksums, every entry)");
  verify_->add_option("backup", backup_ref_, "Manifest or archive path, VOLUME@TIMESTAMP, or VOLUME")->required();
  prune_ = backups_->add_subcommand("prune", "Delete backups outside a retention policy (restic's forget rules)");
  prune_->add_option("volume", volume_filter_, "Only this volume's");
  prune_->add_option("--keep-last", keep_last_, "Keep the newest N");
  prune_->add_option("--keep-daily", keep_daily_, "Keep the newest of each of the last N days");
  prune_->add_option("--keep-weekly", keep_weekly_, "Keep the newest of each of the last N weeks");
  prune_->add_option("--keep-monthly", keep_monthly_, "Keep the newest of each of the last N months");
  prune_->add_flag("--dry-run", dry_run_, "Say what would be deleted");
  backups_->require_subcommand(1);
}

std::string VolumeCommands::backupDir(const std::string& given) const {
  if (!given.empty()) return given;
  return volumes::defaultBackupDir(state_dir_.empty() ? store::defaultStateDir() : state_dir_);
}

std::optional<ExitCode> VolumeCommands::run(const GlobalOptions& global) {
  if (migrate_->parsed()) return runMigrate(global);
  if (volumes_->parsed()) return runList(global);
  if (backup_->parsed()) return runBackup(global);
  if (restore_->parsed()) return runRestore(global);
  if (backups_->parsed()) return runBackups();
  return std::nullopt;
}

ExitCode VolumeCommands::runList(const GlobalOptions& global) {
  auto client = makeClient(global);
  if (!client) return report(client.error());
  std::time_t now = std::time(nullptr);
  auto rows = volumes::inventory(**client, backupDir(dir_), now);
  if (!rows) return report(rows.error());
  if (format_ == "json") {
    json out = json::array();
    for (const auto& r : *rows) {
      json mounters = json::array();
      for (const auto& m : r.mounters) {
        mounters.push_back({{"container", m.container},
                            {"image", m.image},
                            {"destination", m.destination},
                            {"running", m.running},
                            {"read_write", m.read_write},
                            {"declared_by_image", m.declared_by_image}});
      }
      out.push_back({{"name", r.name},
                     {"driver", r.driver},
                     {"anonymous", r.anonymous},
                     {"size", r.size >= 0 ? json(r.size) : json()},
                     {"containers", mounters},
                     {"schedule", r.schedule},
                     {"last_backup", r.last_backup ? json(isoTime(r.last_backup)) : json()},
                     {"last_backup_id", r.last_backup_id},
                     {"risks", r.risks}});
    }
    std::puts(out.dump(2).c_str());
    return ExitCode::kOk;
  }
  TextTable table({"VOLUME", "KIND", "SIZE", "CONTAINERS", "LAST BACKUP", "RISK"});
  for (const auto& r : *rows) {
    std::string who;
    for (const auto& m : r.mounters) {
      who += (who.empty() ? "" : ", ") + m.container + ":" + m.destination + (m.running ? "" : " (stopped)");
    }
    std::string risk;
    for (const auto& x : r.risks) risk += (risk.empty() ? "" : "; ") + x;
    table.addRow({r.anonymous ? shortId(r.name) : r.name, r.anonymous ? "anonymous" : "named",
                  r.size >= 0 ? humanBytes(r.size) : "-", who.empty() ? "-" : who, age(r.last_backup, now),
                  risk.empty() ? "-" : risk});
  }
  std::fputs(table.render().c_str(), stdout);
  return ExitCode::kOk;
}

ExitCode VolumeCommands::runBackup(const GlobalOptions& global) {
  auto client = makeClient(global);
  if (!client) return report(client.error());
  auto compression = volumes::parseCompression(compress_);
  auto consistency = volumes::parseConsistency(consistency_);
  if (!compression) return report(compression.error());
  if (!consistency) return report(consistency.error());
  ExitCode code = ExitCode::kOk;
  for (const auto& volume : volumes_to_back_up_) {
    volumes::BackupOptions options;
    options.volume = volume;
    options.dir = backupDir(dir_);
    options.compression = *compression;
    options.consistency = *consistency;
    options.restic_repo = repo_;
    ProgressBar bar("backup " + volume, -1);
    options.progress = [&](std::int64_t bytes) { bar.update(bytes); };
    auto result = volumes::runBackup(**client, options);
    bar.finish();
    if (!result) {
      printError(result.error());
      code = ExitCode::kError;
      continue;
    }
    const auto& m = result->manifest;
    double mib_s = m.seconds > 0 ? static_cast<double>(m.tar_bytes) / (1 << 20) / m.seconds : 0;
    if (json_) {
      json out = {{"volume", volume},
                  {"manifest", result->manifest_path},
                  {"path", result->archive_path},
                  {"bytes_in", m.tar_bytes},
                  {"bytes_out", m.archive_bytes},
                  {"files", m.files},
                  {"seconds", m.seconds},
                  {"mib_per_s", mib_s},
                  {"sha256", m.archive_sha256},
                  {"consistency", m.consistency},
                  {"paused_ms", m.paused_ms}};
      if (!m.restic_snapshot.empty()) out["restic_snapshot"] = m.restic_snapshot;
      std::puts(out.dump().c_str());
    } else {
      std::printf(
          "%s: %lld files, %s in %.2f s (%.0f MiB/s), consistency %s%s -> %s\n", volume.c_str(),
          static_cast<long long>(m.files), humanBytes(m.tar_bytes).c_str(), m.seconds, mib_s, m.consistency.c_str(),
          m.paused_ms > 0 ? fmt::format(" ({} ms paused)", m.paused_ms).c_str() : "",
          m.restic_snapshot.empty() ? result->archive_path.c_str() : ("restic snapshot " + m.restic_snapshot).c_str());
    }
  }
  return code;
}

ExitCode VolumeCommands::runRestore(const GlobalOptions& global) {
  auto client = makeClient(global);
  if (!client) return report(client.error());
  volumes::RestoreOptions options;
  options.dir = backupDir(dir_);
  options.backup = backup_ref_;
  options.volume = target_volume_;
  options.force = force_;
  ProgressBar bar("restore " + target_volume_, -1);
  options.progress = [&](std::int64_t bytes) { bar.update(bytes); };
  auto result = volumes::runRestore(**client, options);
  bar.finish();
  if (!result) {
    printError(result.error());
    // A restore that ran but does not match its manifest is a "no"; anything else could not be done.
    return result.error().message.find("after the") != std::string::npos ? ExitCode::kFailed : ExitCode::kError;
  }
  if (json_) {
    json out = {{"backup", result->backup_id},
                {"volume", result->volume},
                {"created", result->created},
                {"resumed", result->resumed},
                {"bytes", result->tar_bytes},
                {"files", result->files},
                {"restore_seconds", result->restore_seconds},
                {"verify_seconds", result->verify_seconds},
                {"verified", true},
                {"verified_by", result->verified_by}};
    if (!result->previous_content.empty()) out["previous_content"] = result->previous_content;
    std::puts(out.dump().c_str());
  } else {
    double mib_s =
        result->restore_seconds > 0 ? static_cast<double>(result->tar_bytes) / (1 << 20) / result->restore_seconds : 0;
    std::printf("%s -> volume %s%s: %lld files, %s in %.2f s (%.0f MiB/s), verified in %.2f s (%s)%s\n",
                result->backup_id.c_str(), result->volume.c_str(),
                result->resumed ? " (an interrupted restore, completed)" : "", static_cast<long long>(result->files),
                humanBytes(result->tar_bytes).c_str(), result->restore_seconds, mib_s, result->verify_seconds,
                result->verified_by == "host" ? "read on this host" : "read back through the engine",
                result->previous_content.empty()
                    ? ""
                    : (" (previous content saved: " + result->previous_content + ")").c_str());
  }
  return ExitCode::kOk;
}

ExitCode VolumeCommands::runBackups() {
  std::string dir = backupDir(dir_);
  if (verify_->parsed()) {
    auto record = volumes::findBackup(dir, backup_ref_);
    if (!record) return report(record.error());
    if (auto ok = volumes::verifyBackup(*record); !ok) {
      printError(ok.error());
      return ExitCode::kFailed;
    }
    std::printf("%s: OK (%lld entries, %lld files, archive sha256 %s)\n", record->id.c_str(),
                static_cast<long long>(record->manifest.entries.size()), static_cast<long long>(record->manifest.files),
                record->manifest.archive_sha256.empty() ? "-" : record->manifest.archive_sha256.substr(0, 12).c_str());
    return ExitCode::kOk;
  }
  auto records = volumes::listBackups(dir, volume_filter_);
  if (!records) return report(records.error());
  if (prune_->parsed()) {
    volumes::KeepPolicy keep{keep_last_, keep_daily_, keep_weekly_, keep_monthly_};
    if (!keep.any()) {
      std::fprintf(stderr, "shipshape: backups prune needs at least one --keep-* (refusing to delete everything)\n");
      return ExitCode::kError;
    }
    auto remove = volumes::prunePlan(*records, keep);
    for (const auto& r : remove) {
      if (dry_run_) {
        std::printf("would delete %s\n", r.id.c_str());
        continue;
      }
      if (auto deleted = volumes::deleteBackup(r); !deleted) return report(deleted.error());
      std::printf("deleted %s\n", r.id.c_str());
    }
    std::printf("%zu of %zu backups %s\n", remove.size(), records->size(), dry_run_ ? "would be deleted" : "deleted");
    return ExitCode::kOk;
  }
  if (format_ == "json") {
    json out = json::array();
    for (const auto& r : *records) {
      const auto& m = r.manifest;
      out.push_back({{"id", r.id},
                     {"volume", m.volume},
                     {"created", m.created},
                     {"manifest", r.manifest_path},
                     {"archive", r.archive_path},
                     {"compression", m.compression},
                     {"bytes", m.tar_bytes},
                     {"archive_bytes", m.archive_bytes},
                     {"files", m.files},
                     {"consistency", m.consistency},
                     {"restic_snapshot", m.restic_snapshot}});
    }
    std::puts(out.dump(2).c_str());
    return ExitCode::kOk;
  }
  TextTable table({"BACKUP", "CREATED", "SIZE", "STORED", "FILES", "CONSISTENCY", "WHERE"});
  for (const auto& r : *records) {
    const auto& m = r.manifest;
    table.addRow(
        {r.id, m.created, humanBytes(m.tar_bytes), m.restic_snapshot.empty() ? humanBytes(m.archive_bytes) : "restic",
         std::to_string(m.files), m.consistency,
         m.restic_snapshot.empty() ? r.archive_path : m.restic_repository + "#" + m.restic_snapshot.substr(0, 8)});
  }
  std::fputs(table.render().c_str(), stdout);
  return ExitCode::kOk;
}

}  // namespace shipshape::cli

namespace shipshape::cli {

ExitCode VolumeCommands::runMigrate(const GlobalOptions& global) {
  auto client = makeClient(global);
  if (!client) return report(client.error());
  volumes::MigrateOptions options;
  options.container = container_;
  options.mountpoint = mountpoint_;
  options.name = new_name_;
  options.prune_old = prune_old_;
  auto result = volumes::migrateContainer(**client, options);
  if (!result) return report(result.error());
  if (json_) {
    json vols = json::array();
    for (const auto& v : result->volumes) {
      vols.push_back({{"destination", v.destination},
                      {"old_volume", v.old_volume},
                      {"new_volume", v.new_volume},
                      {"bytes", v.bytes},
                      {"files", v.files}});
    }
    std::puts(json({{"container", result->container},
                    {"container_id", result->container_id},
                    {"volumes", vols},
                    {"old_pruned", result->old_pruned},
                    {"seconds", result->seconds},
                    {"downtime_seconds", result->downtime_seconds},
                    {"compose_hint", result->compose_hint}})
                  .dump()
                  .c_str());
    return ExitCode::kOk;
  }
  for (const auto& v : result->volumes) {
    std::printf("%s:%s  %s -> %s (%lld files, %s, verified)%s\n", result->container.c_str(), v.destination.c_str(),
                shortId(v.old_volume).c_str(), v.new_volume.c_str(), static_cast<long long>(v.files),
                humanBytes(v.bytes).c_str(), result->old_pruned ? ", old volume removed" : ", old volume kept");
  }
  std::printf("%s recreated on the named volume(s) in %.2f s (%.2f s down)\n", result->container.c_str(),
              result->seconds, result->downtime_seconds);
  if (!result->compose_hint.empty()) std::fputs(result->compose_hint.c_str(), stdout);
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
