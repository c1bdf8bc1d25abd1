#include "volumes/restore.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "common/byte_pipe.h"
#include "common/file.h"
#include "common/log.h"
#include "volumes/backup.h"
#include "volumes/dir_scan.h"
#include "volumes/helper.h"
#include "volumes/restic.h"

namespace shipshape::volumes {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The restore journal: `<dir>/.restoring/<volume>` names the backup being restored into `volume` from the
// first byte written until the read-back check passed. A restore killed part-way leaves it behind, so the
// half-filled volume is never taken for a restored one: a rerun of the same restore completes it, another
// restore into it is refused, and `shipshape volumes` shows it.
class RestoreJournal {
 public:
  RestoreJournal(const std::string& dir, const std::string& volume)
      : path_(restoreJournalPath(dir, volume)), dir_(dir + "/.restoring") {}
  Result<void> begin(const std::string& backup_id) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create " + dir_ + ": " + ec.message());
    return writeFileAtomic(path_, backup_id + "\n");
  }
  void done() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

 private:
  std::string path_, dir_;
};

// The tar from `source` extracted into `volume` (a helper mounts it read-write at /volume; the tar's names
// start with "volume/", as the archive endpoint wrote them).
Result<void> uploadInto(docker::Client& client, const std::string& volume, const ReadFn& source,
                        const std::function<bool()>& source_failed, docker::Cancel cancel) {
  auto helper = HelperContainer::create(client, volume, /*read_only=*/false, "restore");
  if (!helper) return fail(helper.error());
  auto put = client.putArchive(
      helper->id(), "/",
      [&](char* buffer, std::size_t size) -> std::size_t {
        std::size_t n = source(buffer, size);
        if (n == 0 && source_failed()) return docker::kUploadAbort;
        return n;
      },
      cancel);
  if (!put) return fail(put.error().wrap("restoring into volume " + volume));
  return {};
}

}  // namespace

Result<TarScan> checkVolume(docker::Client& client, const std::string& volume,
                            const std::vector<ManifestEntry>& expected, std::string& method, docker::Cancel cancel) {
  if (client.endpoint().kind == docker::Endpoint::Kind::kUnix) {
    auto info = client.inspectVolume(volume);
    if (info && info->driver == "local" && !info->mountpoint.empty() &&
        ::access(info->mountpoint.c_str(), R_OK | X_OK) == 0) {
      unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
      auto local = scanDirectory(info->mountpoint, threads);
      if (local) {
        auto diff = firstDifference(expected, local->entries);
        if (!diff) {
          method = "host";
          return local;
        }
        SHIPSHAPE_LOG(volumes, info, "volume {} as read at {}: {}; reading it back through the engine", volume,
                      info->mountpoint, *diff);
      } else {
        SHIPSHAPE_LOG(volumes, info, "volume {} cannot be read at {} ({}); reading it back through the engine", volume,
                      info->mountpoint, local.error().message);
      }
    }
  }
  method = "engine";
  auto scan = scanVolume(client, volume, 0, cancel);
  if (!scan) return fail(scan.error());
  if (auto diff = firstDifference(expected, scan->entries)) return fail(ErrorCode::kIo, *diff);
  return scan;
}

Result<TarScan> scanVolume(docker::Client& client, const std::string& volume, std::size_t max_entries,
                           docker::Cancel cancel) {
  auto helper = HelperContainer::create(client, volume, /*read_only=*/true, "verify");
  if (!helper) return fail(helper.error());
  BytePipe pipe;
  Result<TarScan> scan = fail(ErrorCode::kInternal, "not scanned");
  std::jthread scanner([&] {
    scan = scanTar([&](char* buffer, std::size_t size) { return pipe.read(buffer, size); }, "volume " + volume,
                   max_entries);
    // Done (or stopped early): the download stops too.
    pipe.abort();
  });
  auto copied = client.getArchive(
      helper->id(), kHelperMount, [&](std::string_view chunk) { return pipe.write(chunk); }, cancel);
  pipe.close();
  scanner.join();
  if (!scan) return fail(scan.error());
  if (!copied && !(copied.error().code == ErrorCode::kCancelled && max_entries > 0)) {
    return fail(copied.error().wrap("reading volume " + volume));
  }
  return scan;
}

Result<bool> volumeIsEmpty(docker::Client& client, const std::string& volume) {
  auto scan = scanVolume(client, volume, 2);
  if (!scan) return fail(scan.error());
  for (const auto& e : scan->entries) {
    if (e.path != ".") return false;
  }
  return true;
}

Result<std::int64_t> copyVolume(docker::Client& client, const std::string& from, const std::string& to) {
  auto source = HelperContainer::create(client, from, /*read_only=*/true, "copy");
  if (!source) return fail(source.error());
  BytePipe pipe;
  Result<void> uploaded = fail(ErrorCode::kInternal, "not uploaded");
  std::jthread uploader([&] {
    // A Client is one connection and not thread-safe: the upload gets its own.
    docker::Client upload_client(client.endpoint());
    uploaded = uploadInto(
        upload_client, to, [&](char* b, std::size_t n) { return pipe.read(b, n); }, [&] { return pipe.aborted(); },
        nullptr);
    if (!uploaded) pipe.abort();
  });
  std::int64_t bytes = 0;
  auto copied = client.getArchive(source->id(), kHelperMount, [&](std::string_view chunk) {
    bytes += static_cast<std::int64_t>(chunk.size());
    return pipe.write(chunk);
  });
  if (copied) {
    pipe.close();
  } else {
    pipe.abort();
  }
  uploader.join();
  if (!uploaded) return fail(uploaded.error());
  if (!copied) return fail(copied.error().wrap("reading volume " + from));
  return bytes;
}

Result<void> verifyBackup(const BackupRecord& record) {
  const Manifest& m = record.manifest;
  Result<TarScan> scan = fail(ErrorCode::kInternal, "not scanned");
  if (!record.archive_path.empty()) {
    auto reader = DecompressedReader::open(record.archive_path);
    if (!reader) return fail(reader.error());
    scan = scanTar([&](char* b, std::size_t n) { return reader->read(b, n); }, record.archive_path);
    if (!reader->error().empty()) return fail(ErrorCode::kIo, reader->error());
    if (!scan) return fail(scan.error());
    std::string sha = reader->fileSha256();
    if (sha != m.archive_sha256) {
      return fail(ErrorCode::kIo, record.archive_path + ": sha256 " + sha.substr(0, 12) + "…, the manifest says " +
                                      m.archive_sha256.substr(0, 12) + "… (the archive was changed or damaged)");
    }
  } else {
    auto target = parseResticTarget("restic:" + m.restic_repository);
    if (!target) return fail(target.error());
    auto dump = startResticDump(*target, m.restic_snapshot, m.volume);
    if (!dump) return fail(dump.error());
    scan = scanTar(
        [&](char* b, std::size_t n) { return static_cast<std::size_t>(std::max(0L, (*dump)->readStdout(b, n))); },
        "restic snapshot " + m.restic_snapshot);
    if (auto finished = finishResticDump(**dump); !finished) return fail(finished.error());
    if (!scan) return fail(scan.error());
  }
  if (auto diff = firstDifference(m.entries, scan->entries)) {
    return fail(ErrorCode::kIo, record.id + ": " + *diff);
  }
  return {};
}

namespace {

// The backup's tar into `volume`, then the volume read back and compared with the manifest.
Result<void> restoreInto(docker::Client& client, const BackupRecord& record, const std::string& volume,
                         RestoreResult& result, const std::function<void(std::int64_t)>& progress,
                         docker::Cancel cancel) {
  const Manifest& m = record.manifest;
  auto t0 = Clock::now();
  std::int64_t bytes = 0;
  auto counted = [&](std::size_t n) {
    bytes += static_cast<std::int64_t>(n);
    if (progress) progress(bytes);
    return n;
  };
  if (!record.archive_path.empty()) {
    auto reader = DecompressedReader::open(record.archive_path);
    if (!reader) return fail(reader.error());
    auto up = uploadInto(
        client, volume, [&](char* b, std::size_t n) { return counted(reader->read(b, n)); },
        [&] { return !reader->error().empty(); }, cancel);
    if (!reader->error().empty()) return fail(ErrorCode::kIo, reader->error());
    if (!up) return fail(up.error());
    std::string sha = reader->fileSha256();
    if (sha != m.archive_sha256) {
      return fail(ErrorCode::kIo, record.archive_path + ": sha256 " + sha.substr(0, 12) + "…, the manifest says " +
                                      m.archive_sha256.substr(0, 12) + "… (the archive was changed or damaged)");
    }
  } else {
    auto target = parseResticTarget("restic:" + m.restic_repository);
    if (!target) return fail(target.error());
    auto dump = startResticDump(*target, m.restic_snapshot, m.volume);
    if (!dump) return fail(dump.error());
    bool read_failed = false;
    auto up = uploadInto(
        client, volume,
        [&](char* b, std::size_t n) -> std::size_t {
          long got = (*dump)->readStdout(b, n);
          if (got < 0) read_failed = true;
          return counted(static_cast<std::size_t>(std::max(0L, got)));
        },
        [&] { return read_failed; }, cancel);
    if (auto finished = finishResticDump(**dump); !finished) return fail(finished.error());
    if (!up) return fail(up.error());
  }
  result.tar_bytes = bytes;
  result.restore_seconds = since(t0);
  auto t1 = Clock::now();
  auto scan = checkVolume(client, volume, m.entries, result.verified_by, cancel);
  if (!scan) return fail(ErrorCode::kIo, "volume " + volume + " after the restore: " + scan.error().message);
  result.files = scan->files;
  result.verify_seconds = since(t1);
  return {};
}

}  // namespace

std::string restoreJournalPath(const std::string& dir, const std::string& volume) {
  return dir + "/.restoring/" + volume;
}

std::optional<std::string> interruptedRestore(const std::string& dir, const std::string& volume) {
  auto text = readFile(restoreJournalPath(dir, volume));
  if (!text) return std::nullopt;
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  return id;
}

Result<RestoreResult> runRestore(docker::Client& client, const RestoreOptions& options) {
  auto record = findBackup(options.dir, options.backup);
  if (!record) return fail(record.error());
  RestoreResult result;
  result.backup_id = record->id;
  result.volume = options.volume;
  RestoreJournal journal(options.dir, options.volume);
  // Into the target itself, journalled: a kill leaves the journal, and the rerun finishes the job.
  auto restoreDirectly = [&]() -> Result<RestoreResult> {
    if (auto begun = journal.begin(record->id); !begun) return fail(begun.error());
    if (auto done = restoreInto(client, *record, options.volume, result, options.progress, options.cancel); !done) {
      return fail(done.error());
    }
    journal.done();
    return result;
  };
  auto existing = client.inspectVolume(options.volume);
  if (!existing && existing.error().code != ErrorCode::kNotFound) return fail(existing.error());
  if (!existing) {
    auto created = client.createVolume(options.volume, {{"shipshape.restored-from", record->id}});
    if (!created) return fail(created.error());
    result.created = true;
    return restoreDirectly();
  }
  if (auto interrupted = interruptedRestore(options.dir, options.volume)) {
    if (*interrupted == record->id) {
      // Every file a killed restore wrote is one of this backup's: writing them all again and checking them
      // gives exactly the backup.
      SHIPSHAPE_LOG(volumes, info, "completing the interrupted restore of {} into volume {}", record->id,
                    options.volume);
      result.resumed = true;
      return restoreDirectly();
    }
    if (!options.force) {
      return fail(ErrorCode::kConflict, "volume " + options.volume + " holds an interrupted restore of " +
                                            *interrupted +
                                            "; run that restore again to complete it, or replace "
                                            "its content with --force");
    }
  }
  auto empty = volumeIsEmpty(client, options.volume);
  if (!empty) return fail(empty.error());
  if (*empty) return restoreDirectly();
  if (!options.force) {
    return fail(ErrorCode::kConflict, "volume " + options.volume +
                                          " is not empty; restore into a new volume (--volume NEW) or replace its "
                                          "content with --force");
  }
  // --force: nothing of the target is touched until the backup has been restored beside it and verified, and
  // what it held is itself backed up first.
  auto users = volumeUsers(client, options.volume);
  if (!users) return fail(users.error());
  if (!users->empty()) {
    std::string names;
    for (const auto& u : *users) names += (names.empty() ? "" : ", ") + u.name;
    return fail(ErrorCode::kConflict, "volume " + options.volume + " is used by " + names +
                                          "; remove those containers first (their volume cannot be replaced under "
                                          "them), or restore into a new volume");
  }
  std::string scratch = options.volume + "-restore-" + backupTimestamp();
  auto scratch_created = client.createVolume(scratch, {{"shipshape.restored-from", record->id}});
  if (!scratch_created) return fail(scratch_created.error());
  if (auto done = restoreInto(client, *record, scratch, result, options.progress, options.cancel); !done) {
    (void)client.removeVolume(scratch, true);
    return fail(done.error().wrap("restoring beside " + options.volume + " (the volume was not touched)"));
  }
  BackupOptions save;
  save.volume = options.volume;
  save.dir = options.dir;
  save.consistency = ConsistencyMode::kNone;
  auto saved = runBackup(client, save);
  if (!saved) {
    (void)client.removeVolume(scratch, true);
    return fail(saved.error().wrap("saving what " + options.volume + " held before replacing it (it was not touched)"));
  }
  result.previous_content = saved->manifest_path;
  if (auto begun = journal.begin(record->id); !begun) {
    (void)client.removeVolume(scratch, true);
    return fail(begun.error());
  }
  const auto& old = *existing;
  if (auto removed = client.removeVolume(options.volume); !removed) return fail(removed.error());
  auto recreated = client.createVolume(options.volume, old.labels, old.driver);
  if (!recreated) {
    return fail(recreated.error().wrap("volume " + options.volume + " was removed; its verified restore is in " +
                                       scratch + " and its previous content in " + result.previous_content));
  }
  if (auto copied = copyVolume(client, scratch, options.volume); !copied) {
    return fail(copied.error().wrap("the verified restore is in " + scratch + ", the previous content in " +
                                    result.previous_content));
  }
  std::string swap_check;
  auto scan = checkVolume(client, options.volume, record->manifest.entries, swap_check);
  if (!scan) {
    return fail(ErrorCode::kIo, "volume " + options.volume + " after the swap: " + scan.error().message +
                                    " (the verified restore is in " + scratch + ")");
  }
  journal.done();
  (void)client.removeVolume(scratch, true);
  return result;
}

}  // namespace shipshape::volumes
