// Client for the Docker Engine API: version negotiation, typed resources and streams.
// Owns one HttpTransport (one reused connection). Not thread-safe: give each thread its own Client
// (they are cheap: no I/O until the first call). Every call returns Result<T>; API errors carry the HTTP
// status and the daemon's own message, transport errors name the endpoint and errno.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "docker/api_version.h"
#include "docker/container_spec.h"
#include "docker/endpoint.h"
#include "docker/http_transport.h"
#include "docker/stream_decoders.h"
#include "docker/types.h"

namespace shipshape::docker {

struct ClientOptions {
  TransportOptions transport;
  // DOCKER_API_VERSION: use exactly this version and skip negotiation, as the docker CLI does.
  std::optional<ApiVersion> pinned_version;
};

struct ContainerListOptions {
  bool all = true;
  bool size = false;
  Filters filters;
};

struct RemoveOptions {
  bool force = false;
  bool volumes = false;  // also remove anonymous volumes
};

struct EventQuery {
  std::string since;  // "<seconds>.<nanoseconds>" or RFC 3339; empty = from now
  std::string until;  // empty = keep streaming
  Filters filters;
};

struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved, at most the last 64 KiB
};

struct LogOptions {
  bool stdout_stream = true, stderr_stream = true;
  bool follow = false;
  bool timestamps = false;
  std::string since, tail = "all";
};

using Cancel = const std::atomic<bool>*;

class Client {
 public:
  explicit Client(Endpoint endpoint, ClientOptions options = {});
  // From DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_API_VERSION; `host` overrides DOCKER_HOST.
  static Result<std::unique_ptr<Client>> fromEnvironment(const std::string& host = "", ClientOptions options = {});

  const Endpoint& endpoint() const { return transport_.endpoint(); }
  long connectionsOpened() const { return transport_.connectionsOpened(); }

  // Negotiates once (GET /_ping, falling back to /version) and returns the version every call uses.
  Result<ApiVersion> apiVersion();
  // The negotiated version if negotiation already happened (no I/O).
  std::optional<ApiVersion> knownApiVersion() const { return version_; }

  Result<PingResult> ping();
  Result<VersionInfo> version();
  Result<SystemInfo> info();
  Result<DiskUsage> diskUsage();

  Result<std::vector<ContainerSummary>> listContainers(const ContainerListOptions& options = {});
  Result<ContainerInspect> inspectContainer(std::string_view id_or_name);
  // Returns the new container's ID.
  Result<std::string> createContainer(const ContainerSpec& spec, std::string_view name = "");
  // The same from a ready create body (JSON text), e.g. another container's Config + HostConfig.
  Result<std::string> createContainerFromJson(std::string body, std::string_view name = "");
  // GET /containers/{id}/json as the daemon sent it (for copying a configuration field for field).
  Result<std::string> inspectContainerJson(std::string_view id_or_name);
  Result<void> startContainer(std::string_view id);
  // `timeout_s`: seconds before SIGKILL; unset = the container's own StopTimeout. The request's own timeout
  // follows the grace period (stopBudget), so a slow-stopping container is not reported as a failure.
  Result<void> stopContainer(std::string_view id, std::optional<int> timeout_s = std::nullopt);
  Result<void> restartContainer(std::string_view id, std::optional<int> timeout_s = std::nullopt);
  // How long a stop or restart request may take: the grace period (given, or the container's StopTimeout
  // read by an inspect) plus 30 s.
  std::chrono::milliseconds stopBudget(std::string_view id, std::optional<int> timeout_s);
  // POST /containers/{id}/rename?name=NEW
  Result<void> renameContainer(std::string_view id, std::string_view new_name);
  // POST /containers/{id}/pause and /unpause (the cgroup freezer: processes stop, nothing is signalled).
  Result<void> pauseContainer(std::string_view id);
  Result<void> unpauseContainer(std::string_view id);
  // Runs `argv` in the running container `id` (as `user`, "" = the container's) and waits for it: POST
  // /containers/{id}/exec, /exec/{eid}/start attached, GET /exec/{eid}/json for the exit code.
  Result<ExecResult> exec(std::string_view id, const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          std::string_view user = "");
  Result<void> killContainer(std::string_view id, std::string_view signal = "SIGKILL");
  Result<void> removeContainer(std::string_view id, const RemoveOptions& options = {});
  // Returns the daemon's warnings, if any.
  Result<std::vector<std::string>> updateContainer(std::string_view id, const ResourceUpdate& update);
  // Blocks until the container reaches `condition` (not-running, next-exit, removed); returns the exit code.
  Result<int> waitContainer(std::string_view id, std::string_view condition = "not-running",
                            std::chrono::milliseconds timeout = std::chrono::minutes(5));

  Result<std::vector<ImageSummary>> listImages(bool all = false, const Filters& filters = {});
  Result<ImageInspect> inspectImage(std::string_view reference);
  Result<std::string> inspectImageJson(std::string_view reference);  // as the daemon sent it
  Result<void> removeImage(std::string_view reference, bool force = false);
  Result<void> tagImage(std::string_view source, std::string_view repo, std::string_view tag);
  // POST /commit: the container's filesystem changes as a new image REPO:TAG with Dockerfile `changes`
  // applied to its config ("USER 0", "LABEL a=b"); returns the image ID.
  Result<std::string> commitContainer(std::string_view container, std::string_view repo, std::string_view tag,
                                      const std::vector<std::string>& changes = {});
  // GET /images/{name}/get: the image as a `docker save` tar, streamed to `on_tar`.
  Result<void> exportImage(std::string_view reference, const ChunkSink& on_tar);
  // POST /images/load: loads a `docker save` tar (no registry needed); fails with the daemon's message.
  Result<void> loadImage(std::string tar);

  // Swarm (through a manager): a node's availability, "active", "pause" or "drain", and changing it (the
  // node's spec is read and written back whole, with its version, as the docker CLI does).
  Result<std::string> nodeAvailability(std::string_view node_id);
  Result<void> setNodeAvailability(std::string_view node_id, std::string_view availability);
  // Swarm services (on a manager): the service as the daemon sent it (404 -> kNotFound), an update of its spec
  // at `version` (returns the daemon's warnings), and its tasks as JSON.
  Result<std::string> inspectServiceJson(std::string_view name_or_id);
  Result<std::vector<std::string>> updateService(std::string_view id, std::int64_t version, std::string spec_json);
  Result<std::string> serviceTasksJson(std::string_view service_id);

  // Networks: whether one exists, create a bridge network with labels, attach a container.
  Result<bool> networkExists(std::string_view name);
  Result<void> createNetwork(std::string_view name, const Labels& labels = {});
  Result<void> connectNetwork(std::string_view network, std::string_view container);
  // The same with an EndpointConfig (aliases, IPAMConfig, links) as the create body's NetworkingConfig holds it.
  Result<void> connectNetwork(std::string_view network, std::string_view container, const std::string& endpoint_json);
  // POST /images/create: pulls `reference` (name:tag or name@digest); the stream's error message fails it.
  Result<void> pullImage(std::string_view reference);
  // POST /images/{name}/push with X-Registry-Auth (base64url JSON, see registry/push.h). Each progress message
  // goes to `on_message` as its JSON line; an error inside the stream (the daemon answers 200 regardless) is
  // returned as kApi with the daemon's own message.
  Result<void> pushImage(std::string_view reference, const std::string& registry_auth,
                         const std::function<void(std::string_view json_line)>& on_message);

  Result<std::vector<Volume>> listVolumes(const Filters& filters = {});
  Result<Volume> inspectVolume(std::string_view name);
  Result<Volume> createVolume(std::string_view name, const Labels& labels = {}, std::string_view driver = "local");
  Result<void> removeVolume(std::string_view name, bool force = false);

  // Streams events until `on_event` returns false, `cancel` is set, `query.until` passes, or the connection
  // drops (kUnreachable). `on_connected` runs once the daemon has accepted the subscription.
  Result<void> events(const EventQuery& query, const std::function<bool(const Event&)>& on_event, Cancel cancel,
                      const std::function<void()>& on_connected = {});

  // One sample with both current and previous CPU readings filled (the daemon waits about a second).
  // `one_shot`: answer at once with no previous CPU reading (API 1.41+); the caller computes rates.
  Result<StatsSample> stats(std::string_view id, bool one_shot = false);
  // A sample per second until `on_sample` returns false, `cancel` is set or the container stops.
  Result<void> streamStats(std::string_view id, const std::function<bool(const StatsSample&)>& on_sample,
                           Cancel cancel);

  // Logs, demultiplexed (or raw for TTY containers); `on_frame` returns false to stop.
  Result<void> logs(std::string_view id, const LogOptions& options,
                    const std::function<bool(const LogFrame&)>& on_frame, Cancel cancel = nullptr);

  // GET /containers/{id}/archive: a tar of `path`, streamed to `on_tar`; returns the path's stat.
  Result<PathStat> getArchive(std::string_view id, std::string_view path, const ChunkSink& on_tar,
                              Cancel cancel = nullptr);
  // PUT /containers/{id}/archive: extracts the tar `tar` into the existing directory `dir`.
  Result<void> putArchive(std::string_view id, std::string_view dir, std::string tar);
  // The same with the tar read from `source` as it is sent (memory stays flat whatever its size).
  Result<void> putArchive(std::string_view id, std::string_view dir, const BodySource& source, Cancel cancel = nullptr);
  Result<PathStat> statPath(std::string_view id, std::string_view path);

 private:
  struct Call;
  Result<HttpResponse> call(const Call& call);
  Result<HttpResponse> streamCall(const Call& call, const HeadSink& on_head, const ChunkSink& on_chunk,
                                  Cancel cancel);
  Result<std::string> versionedTarget(const Call& call);
  // A pull's or push's JSON progress stream read to its end: each line to `on_message`; the last in-stream
  // error ("" when none), or the transport's failure.
  Result<std::string> readProgressStream(const Call& call,
                                         const std::function<void(std::string_view json_line)>& on_message);

  HttpTransport transport_;
  ClientOptions options_;
  std::optional<ApiVersion> version_;
};

// {"label":["a=b"]} as the `filters` query value.
std::string filtersJson(const Filters& filters);

}  // namespace shipshape::docker
