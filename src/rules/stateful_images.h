// Known stateful images (databases, brokers, stores) and where they keep their data: the audit's SS302 and
// the volume tools' risk verdicts and backup hooks use the same list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shipshape::rules {

struct StatefulImage {
  const char* name;  // the image's last path component: "postgres" for docker.io/library/postgres:16
  std::vector<const char*> paths;
};

const std::vector<StatefulImage>& statefulImages();
// "postgres" for "registry.example.com/library/postgres:16@sha256:..."
std::string imageBaseName(std::string_view image);
// The entry for `image`, or nullptr.
const StatefulImage* findStatefulImage(std::string_view image);

}  // namespace shipshape::rules
