// The guardian's backups: volumes labelled `shipshape.backup.schedule` (on the volume, or on a container that
// mounts it) are backed up when their schedule says, pruned by `shipshape.backup.keep`, and their newest
// backup is test-restored into a scratch volume and read back against its manifest every
// `restore_test_every`. Failures are `backup-failed` / `restore-test-failed` incidents, resolved by the next
// success. The work runs on one worker thread of this object's own (a backup can take minutes; the watch loop
// must not wait), one job at a time so that two copies never compete for the disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "docker/client.h"
#include "store/incident_store.h"
#include "volumes/archive_writer.h"
#include "volumes/schedule.h"

namespace shipshape::volumes {

struct SchedulerOptions {
  std::string backup_dir;
  std::int64_t rescan_ms = 30'000;                        // labels re-read this often
  std::int64_t restore_test_every_ms = 7LL * 86'400'000;  // test-restore each scheduled volume's newest backup
  std::int64_t retry_ms = 300'000;                        // after a failed backup, before trying again
  Compression compression = Compression::kZstd;
};

// One scheduled volume, as /metrics shows it.
struct ScheduledVolume {
  std::string volume, schedule, keep;
  std::string label_error;          // the schedule or keep label cannot be read: nothing is scheduled
  std::optional<Schedule> parsed;   // `schedule`, parsed when the label was read (not on every tick)
  std::int64_t last_backup_ms = 0;  // the newest backup on disk (any origin), 0 = none
  std::int64_t last_bytes = 0;      // its archive's size
  double last_seconds = 0;
  std::int64_t last_attempt_ms = 0;
  bool last_failed = false;
  std::uint64_t failures = 0;
  std::int64_t last_restore_test_ms = 0;  // the last passing test restore
  std::int64_t last_restore_test_attempt_ms = 0;
  bool busy = false;  // queued or running
};

class BackupScheduler {
 public:
  using Clock = std::function<std::int64_t()>;
  BackupScheduler(docker::Endpoint endpoint, store::IncidentStore& store, SchedulerOptions options, Clock clock);
  // Cancels the running job (its partial files are removed, nothing is listed) and joins the worker.
  ~BackupScheduler();
  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

  // From the watch loop: re-reads the labels when due (with the loop's own client) and queues what is due.
  void tick(docker::Client& client);
  // Prometheus text: shipshape_backup_* and shipshape_restore_test_* per scheduled volume.
  std::string metrics() const;
  std::vector<ScheduledVolume> volumes() const;

 private:
  enum class JobKind { kBackup, kRestoreTest };
  struct Job {
    JobKind kind;
    std::string volume;
    std::int64_t due_ms;
  };
  void rescan(docker::Client& client);
  void removeStaleScratchVolumes(docker::Client& client);
  void work();
  void backup(docker::Client& client, const Job& job);
  void restoreTest(docker::Client& client, const Job& job);
  void failed(const std::string& kind, const Job& job, const std::string& what, const std::string& error);
  void succeeded(const std::string& kind, const std::string& volume, const std::string& result);

  docker::Endpoint endpoint_;
  store::IncidentStore& store_;
  SchedulerOptions options_;
  Clock clock_;
  std::int64_t last_scan_ms_ = 0;  // the loop's thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, ScheduledVolume> volumes_;  // guarded by mu_
  std::deque<Job> queue_;                           // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::atomic<bool> cancel_{false};                 // the running transfer stops
  std::thread worker_;                              // last: started after everything it uses, joined first
};

}  // namespace shipshape::volumes
