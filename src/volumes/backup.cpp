#include "volumes/backup.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/byte_pipe.h"
#include "common/log.h"
#include "volumes/helper.h"
#include "volumes/restic.h"
#include "volumes/tar_scan.h"

namespace shipshape::volumes {

std::string defaultBackupDir(const std::string& state_dir) {
  if (const char* dir = std::getenv("SHIPSHAPE_BACKUP_DIR"); dir != nullptr && *dir) return dir;
  return state_dir + "/backups";
}

std::string backupTimestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

namespace {

std::string isoNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Result<void> makeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // backups hold the volume's data: the same protection as the state directory
  return {};
}

// Where the data goes as it arrives: a compressed file, or restic's stdin.
struct Destination {
  std::unique_ptr<ArchiveWriter> archive;
  std::unique_ptr<PipedProcess> restic;

  Result<void> write(std::string_view chunk) { return archive ? archive->write(chunk) : restic->writeStdin(chunk); }
};

}  // namespace

Result<BackupResult> runBackup(docker::Client& client, const BackupOptions& options) {
  auto started = std::chrono::steady_clock::now();
  auto volume = client.inspectVolume(options.volume);
  if (!volume) {
    if (volume.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound, "no such volume: " + options.volume);
    }
    return fail(volume.error());
  }
  auto users = volumeUsers(client, options.volume);
  if (!users) return fail(users.error());

  std::string dir = options.dir + "/" + options.volume;
  if (auto made = makeDirs(dir); !made) return fail(made.error());
  std::string stamp = backupTimestamp();
  for (int n = 1; std::filesystem::exists(dir + "/" + stamp + ".manifest.json"); ++n) {
    stamp = backupTimestamp() + "." + std::to_string(n);
  }

  BackupResult result;
  Manifest& m = result.manifest;
  m.volume = options.volume;
  m.created = isoNow();
  for (const auto& u : *users) m.containers.push_back(u.name);
  if (!users->empty()) m.image = users->front().image;

  Destination destination;
  std::optional<ResticTarget> restic;
  if (!options.restic_repo.empty()) {
    auto target = parseResticTarget(options.restic_repo);
    if (!target) return fail(target.error());
    restic = *target;
    auto process = startResticBackup(*restic, options.volume, "");
    if (!process) return fail(process.error());
    destination.restic = std::move(*process);
    m.restic_repository = restic->repository;
  } else {
    m.archive = stamp + compressionSuffix(options.compression);
    m.compression = compressionName(options.compression);
    result.archive_path = dir + "/" + m.archive;
    auto writer = ArchiveWriter::create(result.archive_path, options.compression);
    if (!writer) return fail(writer.error());
    destination.archive = std::move(*writer);
  }

  auto helper = HelperContainer::create(client, options.volume, /*read_only=*/true, "backup");
  if (!helper) return fail(helper.error());

  Consistency consistency(client, options.consistency, *users);
  if (auto begun = consistency.begin(); !begun) return fail(begun.error());

  // One download, two readers on threads of their own, each behind a bounded pipe: the scanner that hashes
  // every file for the manifest, and the writer that compresses, hashes and writes the archive (or feeds
  // restic). The download thread only copies, so it keeps reading while either of them works.
  BytePipe scan_pipe;
  BytePipe sink_pipe;
  Result<TarScan> scan = fail(ErrorCode::kInternal, "not scanned");
  std::jthread scanner([&] {
    scan = scanTar([&](char* buffer, std::size_t size) { return scan_pipe.read(buffer, size); },
                   "the archive of volume " + options.volume);
    if (!scan) scan_pipe.abort();
  });
  std::string sink_error;  // the writer's; read once it is joined
  std::jthread writer([&] {
    std::vector<char> buffer(1u << 20);
    while (std::size_t n = sink_pipe.read(buffer.data(), buffer.size())) {
      if (auto w = destination.write({buffer.data(), n}); !w) {
        sink_error = w.error().message;
        sink_pipe.abort();
        return;
      }
    }
  });
  std::int64_t tar_bytes = 0;
  bool scan_stopped = false;
  auto copied = client.getArchive(
      helper->id(), kHelperMount,
      [&](std::string_view chunk) {
        if (!sink_pipe.write(chunk)) return false;  // the writer failed: it says why
        if (!scan_pipe.write(chunk)) {
          scan_stopped = true;
          return false;
        }
        tar_bytes += static_cast<std::int64_t>(chunk.size());
        if (options.progress) options.progress(tar_bytes);
        return true;
      },
      options.cancel);
  if (copied) {
    sink_pipe.close();
    scan_pipe.close();
  } else {
    sink_pipe.abort();
    scan_pipe.abort();
  }
  writer.join();
  scanner.join();
  auto undone = consistency.end();
  m.consistency = consistency.method();
  m.paused_ms = consistency.pausedMs();
  m.hook_output = consistency.hookOutput();

  if (!copied || !sink_error.empty()) {
    if (destination.restic) {
      // restic stopped reading: its own message says why (wrong password, no repository, ...).
      if (auto finished = finishResticBackup(*destination.restic); !finished) {
        return fail(finished.error().wrap("backup of " + options.volume));
      }
    }
    if (!sink_error.empty()) return fail(ErrorCode::kIo, "backup of " + options.volume + ": " + sink_error);
    if (scan_stopped && !scan) return fail(scan.error());  // the scanner stopped the download: its reason
    return fail(copied.error().wrap("backup of " + options.volume));
  }
  if (!scan) return fail(scan.error());
  if (!undone) return fail(undone.error().wrap("the copy succeeded, but a writer could not be resumed"));

  m.tar_bytes = tar_bytes;
  m.entries = std::move(scan->entries);
  m.files = scan->files;
  m.data_bytes = scan->data_bytes;
  if (destination.archive) {
    if (auto finished = destination.archive->finish(); !finished) {
      return fail(finished.error().wrap("backup of " + options.volume));
    }
    m.archive_sha256 = destination.archive->sha256();
    m.archive_bytes = destination.archive->bytesWritten();
  } else {
    auto snapshot = finishResticBackup(*destination.restic);
    if (!snapshot) return fail(snapshot.error().wrap("backup of " + options.volume));
    m.restic_snapshot = *snapshot;
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // The manifest is renamed into place last: a backup is listed only once everything it names is on disk.
  result.manifest_path = dir + "/" + stamp + ".manifest.json";
  if (auto written = writeFileAtomic(result.manifest_path, manifestToJson(m)); !written) {
    return fail(written.error().wrap("backup of " + options.volume));
  }
  SHIPSHAPE_LOG(volumes, info, "backup of {}: {} files, {} bytes in {:.2f} s ({}, {})", options.volume, m.files,
                m.tar_bytes, m.seconds, m.consistency, result.manifest_path);
  return result;
}

}  // namespace shipshape::volumes
