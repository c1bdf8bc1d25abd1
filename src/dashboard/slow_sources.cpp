#include "dashboard/slow_sources.h"

#include "audit/live_collector.h"
#include "dashboard/api.h"
#include "rules/live_checks.h"
#include "volumes/backup_catalog.h"

namespace shipshape::dashboard {

SlowSources::SlowSources(SlowSourcesOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)), client_(options_.endpoint) {
  findings_ = findingsApi({});
  backups_ = backupsApi(options_.backup_dir, {}, clock_());
  worker_ = std::thread([this] { work(); });
}

SlowSources::~SlowSources() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::string SlowSources::findingsJson() const {
  std::lock_guard lock(mu_);
  return findings_;
}

std::string SlowSources::backupsJson() const {
  std::lock_guard lock(mu_);
  return backups_;
}

void SlowSources::refreshSoon() {
  {
    std::lock_guard lock(mu_);
    if (clock_() - last_refresh_ms_ < 1000) return;
    wanted_ = true;
  }
  cv_.notify_all();
}

void SlowSources::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.every, [&] { return stopping_ || wanted_; });
    if (stopping_) break;
    wanted_ = false;
    lock.unlock();
    refresh();
    lock.lock();
    last_refresh_ms_ = clock_();
  }
}

void SlowSources::refresh() {
  FindingsSnapshot snapshot;
  if (auto live = audit::collectLive(client_, &snapshot.input_errors)) {
    snapshot.findings = rules::checkLive(*live);
  } else {
    snapshot.error = live.error().describe();
  }
  snapshot.at_ms = clock_();
  std::string findings = findingsApi(snapshot);

  std::string backups;
  if (auto records = volumes::listBackups(options_.backup_dir)) {
    backups = backupsApi(options_.backup_dir, *records, clock_());
  } else {
    // Said in the body rather than hidden (a missing directory is no backups, not an error).
    backups = backupsApi(options_.backup_dir, {}, clock_(), records.error().describe());
  }
  std::lock_guard lock(mu_);
  findings_ = std::move(findings);
  backups_ = std::move(backups);
}

}  // namespace shipshape::dashboard
