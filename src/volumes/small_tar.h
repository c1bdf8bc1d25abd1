// A plain ustar of a few small files held in memory: the helper image's layer and manifest, the lab's fixtures.
#pragma once

#include <string>
#include <vector>

namespace shipshape::volumes {

struct TarFile {
  std::string name;  // relative, "dir/" for a directory
  std::string content;
  bool directory = false;
  int mode = 0;  // 0: 0755 for directories, 0644 for files
};

std::string smallTar(const std::vector<TarFile>& files);

}  // namespace shipshape::volumes
