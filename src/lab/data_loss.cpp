// Scenario 3, data loss from an anonymous volume: a database-like container keeps its rows in the anonymous
// volume of its image's VOLUME. First without shipshape: the patch recreates it, and the rows are gone (the
// old volume orphaned, unnamed). Then with shipshape: the live audit finds the risk (SS301), `volumes migrate`
// moves the data to a named volume, `backup` takes a verified archive, the patch now also loses the volume
// itself, and `restore` brings every row back, read back over the workload's own API.
#include <algorithm>
#include <sstream>

#include "audit/live_collector.h"
#include "common/format.h"
#include "lab/scenarios.h"
#include "rules/live_checks.h"
#include "volumes/backup.h"
#include "volumes/migrate.h"
#include "volumes/restore.h"

namespace shipshape::lab {
namespace {

constexpr int kRows = 20;
constexpr auto kServeDeadline = std::chrono::seconds(30);

std::string seconds(double s) { return formatDurationMs(static_cast<std::int64_t>(s * 1000)); }

std::string rowKey(int i) { return "row" + std::to_string(i); }
std::string rowValue(int i) { return "order #" + std::to_string(1000 + i) + ": 3 x widget"; }

Result<void> writeRows(const std::string& base) {
  for (int i = 0; i < kRows; ++i) {
    auto put = httpCall("PUT", base + "/kv/" + rowKey(i), rowValue(i));
    if (put.status != 201) {
      return fail(ErrorCode::kApi, "PUT " + base + "/kv/" + rowKey(i) + " answered " + std::to_string(put.status));
    }
  }
  return {};
}

// How many of the rows read back with their exact values.
int rowsIntact(const std::string& base) {
  int intact = 0;
  for (int i = 0; i < kRows; ++i) intact += httpCall("GET", base + "/kv/" + rowKey(i)).body == rowValue(i) ? 1 : 0;
  return intact;
}

std::string anonymousVolumeAt(docker::Client& client, const std::string& container, const std::string& path) {
  auto inspected = client.inspectContainer(container);
  if (!inspected) return "";
  for (const auto& m : inspected->mounts) {
    if (m.type == "volume" && m.destination == path) return m.name;
  }
  return "";
}

class DataLoss {
 public:
  explicit DataLoss(LabContext& ctx) : ctx_(ctx), client_(ctx.client()) {}

  ScenarioResult run() {
    r_.situation = "A database-like container (" + ctx_.options().workload_image +
                   ", VOLUME /data) keeps its rows in an anonymous volume, as in the seed; a patch recreates it.";
    r_.task = "Keep every row through the patch, and get them back even when the volume itself is lost.";
    if (auto ok = withoutShipshape(); !ok) return failed(ok.error());
    if (auto ok = withShipshape(); !ok) return failed(ok.error());
    r_.status = r_.detected && r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    return r_;
  }

 private:
  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("data-loss: " + what);
  }

  ScenarioResult failed(const Error& e) {
    r_.status = ScenarioResult::Status::kFailed;
    r_.result = "stopped: " + e.describe();
    return r_;
  }

  Result<void> check() const {
    if (ctx_.stopping()) return fail(ErrorCode::kCancelled, "interrupted");
    return {};
  }

  // The seed's failure, reproduced: recreate = a new anonymous volume, the rows are gone.
  Result<void> withoutShipshape() {
    docker::ContainerSpec spec = ctx_.workloadSpec();
    std::string name = ctx_.name("db");
    auto id = ctx_.startWorkload(name, spec);
    if (!id) return fail(id.error());
    auto base = ctx_.waitServing(name, kServeDeadline);
    if (!base) return fail(base.error());
    if (auto w = writeRows(*base); !w) return w;
    std::string old_volume = anonymousVolumeAt(client_, name, "/data");
    ctx_.trackVolume(old_volume);
    act("without shipshape: wrote " + std::to_string(kRows) + " rows to " + name + " (anonymous volume " +
        shortId(old_volume) + ")");
    // The patch: docker rm -f, then the same docker run with the new image.
    if (auto rm = client_.removeContainer(name, {.force = true}); !rm) return fail(rm.error());
    auto again = ctx_.startWorkload(name, spec);
    if (!again) return fail(again.error());
    auto base2 = ctx_.waitServing(name, kServeDeadline);
    if (!base2) return fail(base2.error());
    ctx_.trackVolume(anonymousVolumeAt(client_, name, "/data"));
    int left = rowsIntact(*base2);
    lost_without_ = kRows - left;
    act("without shipshape: the patch recreated " + name + ": " + std::to_string(left) + " of " +
        std::to_string(kRows) + " rows left; the data sits in orphaned volume " + shortId(old_volume) +
        " that nothing names");
    r_.measurements.push_back({"rows lost without shipshape", std::to_string(lost_without_) + " of " + std::to_string(kRows)});
    return check();
  }

  Result<void> withShipshape() {
    std::string name = ctx_.name("db");
    auto base = ctx_.waitServing(name, kServeDeadline);
    if (!base) return fail(base.error());
    if (auto w = writeRows(*base); !w) return w;
    std::int64_t at_risk_since = nowMs();
    act("with shipshape: " + name + " holds " + std::to_string(kRows) + " rows on its anonymous volume again");

    // Detect: the live audit, as `shipshape audit --live` runs it.
    std::vector<rules::InputError> errors;
    auto live = audit::collectLive(client_, &errors);
    if (!live) return fail(live.error());
    auto findings = rules::checkLive(*live);
    auto found = std::find_if(findings.begin(), findings.end(), [&](const rules::Finding& f) {
      return f.rule_id == "SS301" && f.location.object_name == name;
    });
    if (found == findings.end()) return fail(ErrorCode::kNotFound, "the live audit did not report SS301 for " + name);
    r_.detected = true;
    r_.detect_ms = nowMs() - at_risk_since;
    act("detected: audit --live SS301 on " + name + ": " + found->message);
    if (auto ok = check(); !ok) return ok;

    // Migrate to a named volume (copy, verify, recreate, start).
    std::string named = ctx_.name("data");
    ctx_.trackVolume(named);
    auto migrated = volumes::migrateContainer(client_, {.container = name, .mountpoint = "/data", .name = named});
    if (!migrated) return fail(migrated.error().wrap("volumes migrate"));
    for (const auto& v : migrated->volumes) ctx_.trackVolume(v.old_volume);
    act("volumes migrate: /data moved to named volume " + named + " (" + std::to_string(migrated->volumes[0].files) +
        " files, verified), " + name + " down " + seconds(migrated->downtime_seconds));
    r_.measurements.push_back({"migration downtime", seconds(migrated->downtime_seconds)});
    auto after = ctx_.waitServing(name, kServeDeadline);
    if (!after) return fail(after.error());
    if (int intact = rowsIntact(*after); intact != kRows) {
      return fail(ErrorCode::kProtocol, "after the migration " + std::to_string(intact) + " of " +
                                            std::to_string(kRows) + " rows read back");
    }

    // Back up (consistency auto: the writer is paused for the copy).
    auto backup = volumes::runBackup(client_, {.volume = named, .dir = ctx_.workDir() + "/backups"});
    if (!backup) return fail(backup.error().wrap("backup"));
    act("backup: " + named + " -> " + backup->archive_path + " (" + std::to_string(backup->manifest.files) +
        " files, sha256 per file, " + backup->manifest.consistency + ", " + seconds(backup->manifest.seconds) + ")");
    r_.measurements.push_back({"backup", seconds(backup->manifest.seconds)});
    if (auto ok = check(); !ok) return ok;

    // The destructive patch: this time the volume goes too.
    if (auto rm = client_.removeContainer(name, {.force = true}); !rm) return fail(rm.error());
    if (auto rmv = client_.removeVolume(named, true); !rmv) return fail(rmv.error());
    std::int64_t lost_at = nowMs();
    act("the patch: " + name + " and its volume " + named + " removed (every row gone)");

    // Restore into a new volume of the same name, start the database on it, read every row back.
    auto restored = volumes::runRestore(client_, {.dir = ctx_.workDir() + "/backups", .backup = named, .volume = named});
    if (!restored) return fail(restored.error().wrap("restore"));
    act("restore: " + restored->backup_id + " -> " + named + " (" + std::to_string(restored->files) +
        " files, verified against the manifest in " + seconds(restored->verify_seconds) + ")");
    docker::ContainerSpec spec = ctx_.workloadSpec();
    spec.mounts.push_back({.type = "volume", .source = named, .target = "/data"});
    if (auto id = ctx_.startWorkload(name, spec); !id) return fail(id.error());
    auto back = ctx_.waitServing(name, kServeDeadline);
    if (!back) return fail(back.error());
    int intact = rowsIntact(*back);
    r_.recover_ms = nowMs() - lost_at;
    act(name + " started on the restored volume: " + std::to_string(intact) + " of " + std::to_string(kRows) +
        " rows read back intact");
    r_.repaired = intact == kRows;
    r_.measurements.push_back({"rows after restore", std::to_string(intact) + " of " + std::to_string(kRows)});
    r_.result = r_.repaired ? "Without shipshape the patch lost " + std::to_string(lost_without_) + " of " +
                                  std::to_string(kRows) + " rows. With it: the risk was found in " +
                                  formatDurationMs(*r_.detect_ms) + ", the data moved to a named volume and backed up; "
                                  "after the volume itself was destroyed every row was back in " +
                                  formatDurationMs(*r_.recover_ms) + "."
                            : "Only " + std::to_string(intact) + " of " + std::to_string(kRows) + " rows came back.";
    return {};
  }

  LabContext& ctx_;
  docker::Client& client_;
  ScenarioResult r_;
  int lost_without_ = 0;
};

}  // namespace

ScenarioResult runDataLoss(LabContext& ctx) { return DataLoss(ctx).run(); }

}  // namespace shipshape::lab
