// restic as a backup repository: the volume's tar goes to `restic backup --stdin` and comes back from
// `restic dump`. restic reads its repository and password as it always does (RESTIC_REPOSITORY,
// RESTIC_PASSWORD_FILE, RESTIC_PASSWORD, RESTIC_PASSWORD_COMMAND and its S3/SFTP/REST variables): shipshape
// passes exactly those to the child, and nothing else from its own environment.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/result.h"

namespace shipshape::volumes {

struct ResticTarget {
  std::string repository;  // restic:PATH's PATH, or RESTIC_REPOSITORY
};

// "restic:/srv/restic" -> "/srv/restic"; an empty value falls back to RESTIC_REPOSITORY.
Result<ResticTarget> parseResticTarget(const std::string& value);

// The restic executable: SHIPSHAPE_RESTIC, else the first `restic` on the minimal PATH.
Result<std::string> resticBinary();

// The environment restic gets: the repository and the RESTIC_* / AWS_* / B2_* / AZURE_* / GOOGLE_* / OS_*
// variables shipshape was started with.
std::map<std::string, std::string> resticEnvironment(const ResticTarget& target);

// `restic backup --stdin`: write the tar with process->writeStdin, then finishBackup for the snapshot ID.
Result<std::unique_ptr<PipedProcess>> startResticBackup(const ResticTarget& target, const std::string& volume,
                                                        const std::string& host_tag);
Result<std::string> finishResticBackup(PipedProcess& process);

// `restic dump SNAPSHOT VOLUME.tar`: read the tar with process->readStdout, then finishResticDump.
Result<std::unique_ptr<PipedProcess>> startResticDump(const ResticTarget& target, const std::string& snapshot,
                                                      const std::string& volume);
Result<void> finishResticDump(PipedProcess& process);

// `restic init` for a new repository (tests, first use).
Result<void> resticInit(const ResticTarget& target);

}  // namespace shipshape::volumes
