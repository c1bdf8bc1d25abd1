#include "volumes/helper.h"

#include <unistd.h>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/sha256.h"
#include "volumes/small_tar.h"

namespace shipshape::volumes {
namespace {

// `docker save` layout: manifest.json, the config, one layer holding the mount point.
std::string helperImageTar() {
  std::string layer = smallTar({{"volume/", "", true}});
  std::string layer_digest = Sha256::of(layer);
  nlohmann::json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", "2026-01-01T00:00:00Z"},
      {"config",
       {{"Cmd", {"/never-started"}},
        {"Labels",
         {{"org.opencontainers.image.title", "shipshape volume helper"},
          {"org.opencontainers.image.description",
           "created, never started: the engine mounts its volume for the archive endpoint"}}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + layer_digest}}}},
      {"history", {{{"created", "2026-01-01T00:00:00Z"}, {"created_by", "shipshape volume helper"}}}}};
  std::string config_text = config.dump();
  std::string config_name = Sha256::of(config_text) + ".json";
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", {kHelperImage}}, {"Layers", {layer_digest + "/layer.tar"}}}});
  return smallTar({{"manifest.json", manifest.dump(), false},
                   {config_name, config_text, false},
                   {layer_digest + "/", "", true},
                   {layer_digest + "/layer.tar", layer, false}});
}

// Who made a helper: its pid and pid namespace, so that a later run can tell a helper whose maker was killed
// (kill -9 skips every destructor) from one that a live backup is still reading through.
std::string pidNamespace() {
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/proc/self/ns/pid", ec);
  return ec ? "" : target.string();
}

std::string randomSuffix() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back("0123456789abcdef"[hex(rd)]);
  return s;
}

}  // namespace

Result<void> ensureHelperImage(docker::Client& client) {
  auto present = client.inspectImage(kHelperImage);
  if (present) return {};
  if (present.error().code != ErrorCode::kNotFound) return fail(present.error());
  SHIPSHAPE_LOG(volumes, info, "loading the helper image {} (one empty directory, built here)", kHelperImage);
  if (auto loaded = client.loadImage(helperImageTar()); !loaded) {
    return fail(loaded.error().wrap("loading shipshape's helper image"));
  }
  return {};
}

Result<HelperContainer> HelperContainer::create(docker::Client& client, std::string_view volume, bool read_only,
                                                std::string_view purpose) {
  if (auto image = ensureHelperImage(client); !image) return fail(image.error());
  nlohmann::json body = {{"Image", kHelperImage},
                         {"Labels",
                          {{kHelperLabel, std::string(purpose)},
                           {"shipshape.volume", std::string(volume)},
                           {kPidLabel, std::to_string(::getpid())},
                           {kPidNamespaceLabel, pidNamespace()}}},
                         {"NetworkDisabled", true},
                         {"HostConfig",
                          // NoCopy: an empty volume mounted over a directory of the image gets that directory's content
                          // and owner copied in; the helper must never change the volume's root (a database refuses a
                          // data directory that changed owner).
                          {{"Mounts",
                            {{{"Type", "volume"},
                              {"Source", std::string(volume)},
                              {"Target", kHelperMount},
                              {"ReadOnly", read_only},
                              {"VolumeOptions", {{"NoCopy", true}}}}}},
                           {"NetworkMode", "none"},
                           {"LogConfig", {{"Type", "none"}}}}}};
  std::string name = "shipshape-" + std::string(purpose) + "-" + randomSuffix();
  auto id = client.createContainerFromJson(body.dump(), name);
  if (!id) return fail(id.error().wrap("creating a helper container for volume " + std::string(volume)));
  return HelperContainer(client, *id);
}

std::size_t removeOrphanedHelpers(docker::Client& client) {
  if (client.endpoint().kind != docker::Endpoint::Kind::kUnix) return 0;  // another host's pids mean nothing here
  auto helpers = client.listContainers({.all = true, .filters = {{"label", {kHelperLabel}}}});
  if (!helpers) return 0;
  std::string ns = pidNamespace();
  std::size_t removed = 0;
  for (const auto& h : *helpers) {
    auto purpose = h.labels.find(kHelperLabel);
    auto pid = h.labels.find(kPidLabel);
    auto owner_ns = h.labels.find(kPidNamespaceLabel);
    if (purpose->second == "keep" || pid == h.labels.end() || owner_ns == h.labels.end()) continue;
    if (ns.empty() || owner_ns->second != ns || h.state != "created") continue;
    int owner = std::atoi(pid->second.c_str());
    if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    if (auto gone = client.removeContainer(h.id, {.force = true}); gone) {
      ++removed;
      SHIPSHAPE_LOG(volumes, info, "removed helper container {} (volume {}): the process that made it is gone", h.name,
                    h.labels.contains("shipshape.volume") ? h.labels.at("shipshape.volume") : "?");
    }
  }
  return removed;
}

HelperContainer::~HelperContainer() {
  if (id_.empty()) return;
  // Never `v=1`: the volume is the user's data.
  docker::RemoveOptions options;
  options.force = true;
  if (auto removed = client_->removeContainer(id_, options); !removed) {
    SHIPSHAPE_LOG(volumes, warn, "could not remove helper container {}: {}", id_.substr(0, 12),
                  removed.error().message);
  }
}

}  // namespace shipshape::volumes
