#include "volumes/backup_scheduler.h"

#include <filesystem>

#include <fmt/format.h>

#include "common/format.h"
#include "common/log.h"
#include "volumes/backup.h"
#include "volumes/backup_catalog.h"
#include "volumes/helper.h"
#include "volumes/restore.h"

namespace shipshape::volumes {
namespace {

constexpr const char* kScheduleLabel = "shipshape.backup.schedule";
constexpr const char* kKeepLabel = "shipshape.backup.keep";
constexpr const char* kScratchPrefix = "shipshape-restore-test-";

std::string label(const docker::Labels& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

}  // namespace

BackupScheduler::BackupScheduler(docker::Endpoint endpoint, store::IncidentStore& store, SchedulerOptions options,
                                 Clock clock)
    : endpoint_(std::move(endpoint)), store_(store), options_(std::move(options)), clock_(std::move(clock)) {
  worker_ = std::thread([this] { work(); });
}

BackupScheduler::~BackupScheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cancel_.store(true);
  cv_.notify_all();
  worker_.join();
}

void BackupScheduler::rescan(docker::Client& client) {
  auto volumes = client.listVolumes();
  auto containers = client.listContainers({.all = true});
  if (!volumes || !containers) {
    SHIPSHAPE_LOG(volumes, warn, "[backups] cannot read the labels: {}",
                  (!volumes ? volumes.error() : containers.error()).describe());
    return;
  }
  // volume -> (schedule, keep): the volume's own labels first, then those of a container that mounts it.
  std::map<std::string, std::pair<std::string, std::string>> labelled;
  for (const auto& v : *volumes) {
    if (auto s = label(v.labels, kScheduleLabel); !s.empty()) labelled[v.name] = {s, label(v.labels, kKeepLabel)};
  }
  for (const auto& c : *containers) {
    std::string s = label(c.labels, kScheduleLabel);
    if (s.empty()) continue;
    for (const auto& m : c.mounts) {
      if (m.type == "volume" && !labelled.contains(m.name)) labelled[m.name] = {s, label(c.labels, kKeepLabel)};
    }
  }

  std::lock_guard lock(mu_);
  std::erase_if(volumes_, [&](const auto& entry) { return !entry.second.busy && !labelled.contains(entry.first); });
  for (const auto& [name, labels] : labelled) {
    const auto& [schedule, keep] = labels;
    bool is_new = !volumes_.contains(name);
    ScheduledVolume& sv = volumes_[name];
    if (is_new) {
      sv.volume = name;
      // What is already on disk counts: a restarted guardian does not back everything up again.
      if (auto records = listBackups(options_.backup_dir, name); records && !records->empty()) {
        const BackupRecord& newest = records->back();
        sv.last_backup_ms = static_cast<std::int64_t>(newest.created) * 1000;
        sv.last_bytes = newest.manifest.archive_bytes;
        sv.last_seconds = newest.manifest.seconds;
        if (newest.restore_test && newest.restore_test->ok) {
          sv.last_restore_test_ms = parseRfc3339Ms(newest.restore_test->at);
        }
      } else if (!records) {
        SHIPSHAPE_LOG(volumes, warn, "[backups] {}: {}", name, records.error().describe());
      }
    }
    if (is_new || sv.schedule != schedule || sv.keep != keep) {
      sv.schedule = schedule;
      sv.keep = keep;
      sv.label_error.clear();
      sv.parsed.reset();
      auto parsed = Schedule::parse(schedule);
      if (!parsed) {
        sv.label_error = parsed.error().message;
      } else if (auto k = keep.empty() ? Result<KeepPolicy>(KeepPolicy{}) : parseKeepPolicy(keep); !k) {
        sv.label_error = k.error().message;
      } else {
        sv.parsed = *parsed;
      }
      if (!sv.label_error.empty()) {
        SHIPSHAPE_LOG(volumes, warn, "[backups] volume {} is not backed up: {}", name, sv.label_error);
      } else {
        SHIPSHAPE_LOG(volumes, info, "[backups] volume {}: {}{}", name, schedule, keep.empty() ? "" : ", keep " + keep);
      }
    }
  }
}

// A guardian killed during a test restore leaves its scratch volume (and the restore's journal): only this
// class makes volumes with that prefix, and nothing else ever mounts them.
void BackupScheduler::removeStaleScratchVolumes(docker::Client& client) {
  auto scratch = client.listVolumes({{"name", {kScratchPrefix}}, {"label", {"shipshape.restored-from"}}});
  if (!scratch) return;
  for (const auto& v : *scratch) {
    if (!v.name.starts_with(kScratchPrefix)) continue;  // the engine's name filter matches anywhere
    if (auto removed = client.removeVolume(v.name); removed) {
      std::error_code ec;
      std::filesystem::remove(restoreJournalPath(options_.backup_dir, v.name), ec);
      SHIPSHAPE_LOG(volumes, info, "[backups] removed {}, left by an interrupted test restore", v.name);
    }
  }
}

void BackupScheduler::tick(docker::Client& client) {
  std::int64_t now = clock_();
  if (last_scan_ms_ == 0) {
    // Before anything is backed up: what a killed run left would hold its volume "in use" forever.
    (void)removeOrphanedHelpers(client);
    removeStaleScratchVolumes(client);
  }
  if (last_scan_ms_ == 0 || now - last_scan_ms_ >= options_.rescan_ms) {
    last_scan_ms_ = now;
    rescan(client);
  }
  std::lock_guard lock(mu_);
  for (auto& [name, sv] : volumes_) {
    if (sv.busy || !sv.parsed) continue;
    std::int64_t due = sv.last_backup_ms == 0 ? now : sv.parsed->nextAfter(sv.last_backup_ms / 1000) * 1000;
    if (sv.last_failed) due = std::max(due, sv.last_attempt_ms + options_.retry_ms);
    if (now >= due) {
      queue_.push_back({JobKind::kBackup, name, due});
      sv.busy = true;
      continue;
    }
    std::int64_t last_test = std::max(sv.last_restore_test_ms, sv.last_restore_test_attempt_ms);
    if (sv.last_backup_ms != 0 && (last_test == 0 || now - last_test >= options_.restore_test_every_ms)) {
      queue_.push_back(
          {JobKind::kRestoreTest, name, last_test == 0 ? now : last_test + options_.restore_test_every_ms});
      sv.busy = true;
    }
  }
  cv_.notify_one();
}

void BackupScheduler::work() {
  docker::Client client(endpoint_);  // this thread's own connection
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    if (job.kind == JobKind::kBackup) {
      backup(client, job);
    } else {
      restoreTest(client, job);
    }
    std::lock_guard lock(mu_);
    volumes_[job.volume].busy = false;
  }
}

void BackupScheduler::backup(docker::Client& client, const Job& job) {
  std::string schedule, keep;
  {
    std::lock_guard lock(mu_);
    schedule = volumes_[job.volume].schedule;
    keep = volumes_[job.volume].keep;
  }
  std::int64_t started = clock_();
  auto done = runBackup(client, {.volume = job.volume,
                                 .dir = options_.backup_dir,
                                 .compression = options_.compression,
                                 .consistency = ConsistencyMode::kAuto,
                                 .cancel = &cancel_});
  if (cancel_.load()) return;  // shutting down: not a failure of the backup
  std::string what = "the scheduled backup (" + schedule + ") of volume " + job.volume;
  {
    std::lock_guard lock(mu_);
    ScheduledVolume& sv = volumes_[job.volume];
    sv.last_attempt_ms = started;
    sv.last_failed = !done;
    if (!done) {
      ++sv.failures;
    } else {
      sv.last_backup_ms = started;
      sv.last_bytes = done->manifest.archive_bytes;
      sv.last_seconds = done->manifest.seconds;
    }
  }
  if (!done) {
    failed("backup-failed", job, what, done.error().describe());
    return;
  }
  const Manifest& m = done->manifest;
  std::string result = fmt::format(
      "backed up: {} files, {} in {:.1f} s ({}{}), {}", m.files, humanBytes(m.archive_bytes), m.seconds, m.consistency,
      m.paused_ms > 0 ? ", paused " + std::to_string(m.paused_ms) + " ms" : "", done->manifest_path);
  SHIPSHAPE_LOG(volumes, info, "[backups] {}: {}", job.volume, result);
  if (!keep.empty()) {
    auto policy = parseKeepPolicy(keep);
    auto records = listBackups(options_.backup_dir, job.volume);
    if (policy && policy->any() && records) {
      for (const auto& old : prunePlan(*records, *policy)) {
        if (auto removed = deleteBackup(old); !removed) {
          SHIPSHAPE_LOG(volumes, warn, "[backups] pruning {}: {}", old.id, removed.error().describe());
        } else {
          SHIPSHAPE_LOG(volumes, info, "[backups] pruned {} (keep {})", old.id, keep);
        }
      }
    }
  }
  succeeded("backup-failed", job.volume, result);
}

void BackupScheduler::restoreTest(docker::Client& client, const Job& job) {
  std::int64_t started = clock_();
  std::string what = "the test restore of volume " + job.volume + "'s newest backup";
  auto record = findBackup(options_.backup_dir, job.volume);
  Result<RestoreResult> restored = fail(ErrorCode::kInternal, "not run");
  std::string scratch = fmt::format("{}{}-{}", kScratchPrefix, job.volume.substr(0, 40), started);
  if (!record) {
    restored = fail(record.error());
  } else {
    what = "the test restore of " + record->id;
    restored =
        runRestore(client, {.dir = options_.backup_dir, .backup = record->id, .volume = scratch, .cancel = &cancel_});
    // The scratch volume goes whatever happened; it never held anything but a copy.
    if (auto inspected = client.inspectVolume(scratch); inspected) {
      if (auto removed = client.removeVolume(scratch, true); !removed) {
        SHIPSHAPE_LOG(volumes, warn, "[backups] cannot remove scratch volume {}: {}", scratch,
                      removed.error().describe());
      }
    }
  }
  if (cancel_.load()) return;
  std::int64_t ended = clock_();
  {
    std::lock_guard lock(mu_);
    ScheduledVolume& sv = volumes_[job.volume];
    sv.last_restore_test_attempt_ms = started;
    if (restored) sv.last_restore_test_ms = started;
  }
  if (record) {
    RestoreTest test{.at = isoTimeMs(started),
                     .ok = static_cast<bool>(restored),
                     .detail = restored ? "" : restored.error().describe(),
                     .seconds = static_cast<double>(ended - started) / 1000};
    if (auto written = recordRestoreTest(*record, test); !written) {
      SHIPSHAPE_LOG(volumes, warn, "[backups] {}", written.error().describe());
    }
  }
  if (!restored) {
    failed("restore-test-failed", job, what, restored.error().describe());
    return;
  }
  std::string result = fmt::format("{} restored into a scratch volume and verified: {} files, {:.1f} s", record->id,
                                   restored->files, restored->restore_seconds + restored->verify_seconds);
  SHIPSHAPE_LOG(volumes, info, "[backups] {}", result);
  succeeded("restore-test-failed", job.volume, result);
}

void BackupScheduler::failed(const std::string& kind, const Job& job, const std::string& what,
                             const std::string& error) {
  std::int64_t now = clock_();
  SHIPSHAPE_LOG(volumes, error, "[backups] {} failed: {}", what, error);
  store::Action action{
      .at_ms = now, .kind = kind == "backup-failed" ? "backup" : "restore-test", .description = what, .outcome = error};
  auto open = store_.findOpen(kind, job.volume);
  if (open && *open) {
    if (auto added = store_.addAction((*open)->id, action); !added) {
      SHIPSHAPE_LOG(volumes, warn, "[backups] recording the attempt: {}", added.error().describe());
    }
    return;
  }
  store::Incident incident;
  incident.kind = kind;
  incident.subject = job.volume;
  incident.situation = what + " failed: " + error;
  incident.task = kind == "backup-failed"
                      ? "a complete backup of volume " + job.volume + " on its schedule (retried every " +
                            formatDurationMs(options_.retry_ms) + ")"
                      : "a backup of volume " + job.volume + " that is proven to restore";
  incident.started_at_ms = job.due_ms;
  incident.detected_at_ms = now;
  incident.actions.push_back(action);
  if (auto opened = store_.openIncident(incident); !opened) {
    SHIPSHAPE_LOG(volumes, error, "[backups] cannot record the incident: {}", opened.error().describe());
  }
}

void BackupScheduler::succeeded(const std::string& kind, const std::string& volume, const std::string& result) {
  auto open = store_.findOpen(kind, volume);
  if (!open || !*open) return;
  std::int64_t now = clock_();
  if (auto added = store_.addAction((*open)->id, {.at_ms = now,
                                                  .kind = kind == "backup-failed" ? "backup" : "restore-test",
                                                  .description = result,
                                                  .outcome = "ok"});
      !added) {
    SHIPSHAPE_LOG(volumes, warn, "[backups] recording the attempt: {}", added.error().describe());
  }
  if (auto resolved = store_.resolve((*open)->id, now, result); !resolved) {
    SHIPSHAPE_LOG(volumes, warn, "[backups] resolving the incident: {}", resolved.error().describe());
  }
}

std::vector<ScheduledVolume> BackupScheduler::volumes() const {
  std::lock_guard lock(mu_);
  std::vector<ScheduledVolume> out;
  out.reserve(volumes_.size());
  for (const auto& [name, sv] : volumes_) out.push_back(sv);
  return out;
}

std::string BackupScheduler::metrics() const {
  auto all = volumes();
  // Volume names are [a-zA-Z0-9][a-zA-Z0-9_.-]* (the engine's rule): nothing in them needs escaping.
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value_of) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& v : all) {
      if (auto value = value_of(v)) out += fmt::format("{}{{volume=\"{}\"}} {}\n", name, v.volume, *value);
    }
  };
  using Value = std::optional<double>;
  family("shipshape_backup_last_success_timestamp_seconds", "gauge",
         "When the newest backup of a scheduled volume was taken (Unix time).", [](const ScheduledVolume& v) {
           return v.last_backup_ms > 0 ? Value(static_cast<double>(v.last_backup_ms) / 1000) : Value();
         });
  family("shipshape_backup_last_bytes", "gauge", "Size of the newest backup's archive.", [](const ScheduledVolume& v) {
    return v.last_backup_ms > 0 ? Value(static_cast<double>(v.last_bytes)) : Value();
  });
  family("shipshape_backup_last_duration_seconds", "gauge", "How long the newest backup took.",
         [](const ScheduledVolume& v) { return v.last_backup_ms > 0 ? Value(v.last_seconds) : Value(); });
  family("shipshape_backup_failures_total", "counter", "Scheduled backups that failed since the guardian started.",
         [](const ScheduledVolume& v) { return Value(static_cast<double>(v.failures)); });
  family("shipshape_restore_test_last_success_timestamp_seconds", "gauge",
         "When the newest backup was last restored into a scratch volume and verified (Unix time).",
         [](const ScheduledVolume& v) {
           return v.last_restore_test_ms > 0 ? Value(static_cast<double>(v.last_restore_test_ms) / 1000) : Value();
         });
  return out;
}

}  // namespace shipshape::volumes
