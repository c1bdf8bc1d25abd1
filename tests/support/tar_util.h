// Builds and reads small tar archives in memory (libarchive), for the archive endpoint tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::testing {

// path -> content; regular files, mode 0644, owned by 65534 (testapp's user).
std::string makeTar(const std::map<std::string, std::string>& files);
// Entries of any kind with their own modes: an image layer for the scan tests (directories, setuid files,
// whiteouts ".wh.NAME").
struct TarEntry {
  std::string path, content;
  unsigned mode = 0644;
  bool dir = false;
};
std::string makeTarEntries(const std::vector<TarEntry>& entries);

// Regular files in the archive: path -> content.
Result<std::map<std::string, std::string>> readTar(const std::string& tar);

}  // namespace shipshape::testing
