// Engine API JSON -> types.h. Tolerant of absent and null fields (older and newer engines differ);
// a body that is not the expected JSON shape becomes a kProtocol error naming what was being parsed.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "docker/types.h"

namespace shipshape::docker {

Result<VersionInfo> parseVersion(std::string_view json);
Result<SystemInfo> parseInfo(std::string_view json);
Result<std::vector<ContainerSummary>> parseContainerList(std::string_view json);
Result<ContainerInspect> parseContainerInspect(std::string_view json);
Result<std::vector<ImageSummary>> parseImageList(std::string_view json);
Result<ImageInspect> parseImageInspect(std::string_view json);
Result<std::vector<Volume>> parseVolumeList(std::string_view json);
Result<Volume> parseVolume(std::string_view json);
Result<DiskUsage> parseDiskUsage(std::string_view json);
Result<Event> parseEvent(std::string_view json_line);
Result<StatsSample> parseStats(std::string_view json);
// X-Docker-Container-Path-Stat: base64 of a JSON object.
// {"Id": "..."} as create calls (containers, execs) answer.
Result<std::string> parseIdReply(std::string_view json);
Result<PathStat> parsePathStatHeader(std::string_view base64);
// The daemon's error body {"message": "..."}; the raw body when it is not JSON.
std::string parseErrorMessage(std::string_view body);

}  // namespace shipshape::docker
