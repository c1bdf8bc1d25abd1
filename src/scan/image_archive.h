// Reading an image as `docker save` (and GET /images/{name}/get) writes it, in one pass and in the archive's
// own order: the legacy layout (<id>/layer.tar, <config>.json, manifest.json) and the OCI layout that Docker
// 25+ writes (blobs/sha256/<hex>, index.json, manifest.json). Each layer's tar is read inside the outer one
// as it streams past — nothing is extracted, and memory does not grow with the image.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/byte_pipe.h"
#include "common/result.h"

namespace shipshape::scan {

struct LayerEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kOther } type = kOther;
  std::string path;   // as in the layer, without "./" or a leading '/': "etc/passwd"
  unsigned mode = 0;  // permission bits with setuid/setgid/sticky (07777)
  std::int64_t uid = 0, gid = 0, size = 0;
};

class LayerVisitor {
 public:
  virtual ~LayerVisitor() = default;
  // A layer blob begins (`blob`: its path in the archive, as manifest.json names it).
  virtual void beginLayer(const std::string& blob) = 0;
  // One entry of that layer. For a regular file, `read` yields its content (0 at the end); it may be left
  // unread, and the walk skips what is left.
  virtual void entry(const LayerEntry& e, const ReadFn& read) = 0;
  virtual void endLayer() = 0;
};

struct ImageArchive {
  std::string config_json;               // the image's config
  std::vector<std::string> layer_blobs;  // manifest.json's order, bottom first
  std::vector<std::string> repo_tags;
  std::int64_t bytes = 0;  // read from the stream
};

// `what` names the stream in errors ("image web:1.2"). The archive must hold exactly one image's manifest
// entry, or `want` picks one by its RepoTags.
Result<ImageArchive> walkImageArchive(const ReadFn& read, LayerVisitor& visitor, const std::string& what,
                                      const std::string& want = "");

}  // namespace shipshape::scan
