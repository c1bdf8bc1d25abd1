// A volume's entries read straight from its directory on this host, in the same form as a tar scan of it
// (paths relative to the volume, "." for its root; type, mode, owner, size, link target, each file's sha256).
// Used to check a restore when the engine's volume directory is visible here: reading the files directly
// costs a fraction of streaming them back out through the engine's archive endpoint.
#pragma once

#include <string>

#include "common/result.h"
#include "volumes/tar_scan.h"

namespace shipshape::volumes {

// `root` walked without following symbolic links; files hashed on up to `threads` threads. Sockets are
// skipped, as the engine's archives skip them. Errors name the path and errno.
Result<TarScan> scanDirectory(const std::string& root, unsigned threads);

}  // namespace shipshape::volumes
