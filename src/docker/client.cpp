#include "docker/client.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/percent_encoding.h"
#include "docker/parse.h"

namespace shipshape::docker {

std::string filtersJson(const Filters& filters) { return nlohmann::json(filters).dump(); }

struct Client::Call {
  std::string method = "GET";
  std::string path;  // without the /v1.xx prefix
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  BodySource body_source;  // a streamed body instead of `body`
  bool json_body = false;
  std::chrono::milliseconds timeout{0};
  bool versioned = true;
  std::string what;  // for error context: "inspecting container web-1"
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers (X-Registry-Auth)
};

namespace {

std::string pathSegment(std::string_view id) { return percentEncode(id); }

ErrorCode codeForStatus(int status) {
  if (status == 404) return ErrorCode::kNotFound;
  if (status == 409) return ErrorCode::kConflict;
  if (status == 400) return ErrorCode::kInvalidArgument;
  return ErrorCode::kApi;
}

// `ok` lists the statuses that are success for this call besides 2xx (304 "already started/stopped").
Result<HttpResponse> checkStatus(Result<HttpResponse> response, const std::string& what,
                                 std::initializer_list<int> ok = {}) {
  if (!response) return fail(std::move(response.error()).wrap(what));
  int status = response->status;
  if (status >= 200 && status < 300) return response;
  for (int s : ok) {
    if (s == status) return response;
  }
  std::string message = parseErrorMessage(response->body);
  return fail(Error{codeForStatus(status), "Error response from daemon (" + std::to_string(status) + "): " + message,
                    {what}, status});
}

}  // namespace

Client::Client(Endpoint endpoint, ClientOptions options)
    : transport_(std::move(endpoint), options.transport), options_(options) {
  if (options_.pinned_version) version_ = options_.pinned_version;
}

Result<std::unique_ptr<Client>> Client::fromEnvironment(const std::string& host, ClientOptions options) {
  EndpointSettings settings = settingsFromEnvironment();
  if (!host.empty()) settings.host = host;
  auto endpoint = resolveEndpoint(settings);
  if (!endpoint) return fail(endpoint.error());
  if (const char* pinned = std::getenv("DOCKER_API_VERSION"); pinned && *pinned && !options.pinned_version) {
    auto v = ApiVersion::parse(pinned);
    if (!v) return fail(ErrorCode::kInvalidArgument, std::string("DOCKER_API_VERSION=") + pinned + " is not N.NN");
    options.pinned_version = v;
  }
  return std::make_unique<Client>(std::move(*endpoint), options);
}

Result<ApiVersion> Client::apiVersion() {
  if (version_) return *version_;
  auto pong = ping();
  if (!pong) return fail(pong.error());
  std::optional<ApiVersion> server = ApiVersion::parse(pong->api_version);
  if (!server) {
    // Engines behind some proxies drop the header; /version always has it.
    Call c{.path = "/version", .versioned = false, .what = "reading the engine version"};
    auto response = checkStatus(call(c), c.what);
    if (!response) return fail(response.error());
    auto v = parseVersion(response->body);
    if (!v) return fail(v.error());
    server = ApiVersion::parse(v->api_version);
    if (!server) return fail(ErrorCode::kProtocol, "engine reports API version '" + v->api_version + "'");
  }
  if (*server < kMinApiVersion) {
    return fail(ErrorCode::kUnsupported, "the engine at " + endpoint().display() + " speaks API " +
                                             server->toString() + "; shipshape needs " +
                                             kMinApiVersion.toString() + " (Docker 20.10) or newer");
  }
  version_ = negotiateVersion(*server);
  SHIPSHAPE_LOG(docker, debug, "[endpoint={}] engine API {}, using {}", endpoint().display(), server->toString(),
                version_->toString());
  return *version_;
}

Result<std::string> Client::versionedTarget(const Call& c) {
  std::string target;
  if (c.versioned) {
    auto v = apiVersion();
    if (!v) return fail(v.error());
    target = "/v" + v->toString();
  }
  target += c.path;
  char sep = '?';
  for (const auto& [k, v] : c.query) {
    target += sep;
    target += k;
    target += '=';
    target += percentEncode(v);
    sep = '&';
  }
  return target;
}

Result<HttpResponse> Client::call(const Call& c) {
  auto target = versionedTarget(c);
  if (!target) return fail(target.error());
  HttpRequest request{c.method, *target, {}, c.body, {}, c.timeout};
  if (c.json_body) request.headers.emplace_back("Content-Type", "application/json");
  return transport_.send(request);
}

Result<HttpResponse> Client::streamCall(const Call& c, const HeadSink& on_head, const ChunkSink& on_chunk,
                                        Cancel cancel) {
  auto target = versionedTarget(c);
  if (!target) return fail(target.error());
  HttpRequest request{c.method, *target, c.headers, c.body, c.body_source, c.timeout};
  if (c.json_body) request.headers.emplace_back("Content-Type", "application/json");
  if (c.method == "PUT") request.headers.emplace_back("Content-Type", "application/x-tar");
  return transport_.stream(request, on_head, on_chunk, cancel);
}

Result<PingResult> Client::ping() {
  auto start = std::chrono::steady_clock::now();
  Call c{.path = "/_ping", .versioned = false, .what = "pinging the engine"};
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  PingResult p;
  p.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  p.api_version = response->header("api-version");
  p.os_type = response->header("ostype");
  p.experimental = response->header("docker-experimental") == "true";
  p.swarm = response->header("swarm");
  return p;
}

Result<VersionInfo> Client::version() {
  Call c{.path = "/version", .what = "reading the engine version"};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseVersion(r.body); });
}

Result<SystemInfo> Client::info() {
  Call c{.path = "/info", .what = "reading engine info"};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseInfo(r.body); });
}

Result<DiskUsage> Client::diskUsage() {
  // The daemon walks every layer and volume to answer; give it time on a big host.
  Call c{.path = "/system/df", .timeout = std::chrono::minutes(5), .what = "reading disk usage"};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseDiskUsage(r.body); });
}

Result<std::vector<ContainerSummary>> Client::listContainers(const ContainerListOptions& o) {
  Call c{.path = "/containers/json", .what = "listing containers"};
  if (o.all) c.query.emplace_back("all", "1");
  if (o.size) c.query.emplace_back("size", "1");
  if (!o.filters.empty()) c.query.emplace_back("filters", filtersJson(o.filters));
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseContainerList(r.body); });
}

Result<ContainerInspect> Client::inspectContainer(std::string_view id) {
  Call c{.path = "/containers/" + pathSegment(id) + "/json", .what = "inspecting container " + std::string(id)};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseContainerInspect(r.body); });
}

Result<std::string> Client::createContainer(const ContainerSpec& spec, std::string_view name) {
  Call c{.method = "POST", .path = "/containers/create", .body = containerSpecJson(spec), .json_body = true,
         .what = "creating container " + (name.empty() ? std::string("from ") + spec.image : std::string(name))};
  if (!name.empty()) c.query.emplace_back("name", std::string(name));
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  try {
    auto j = nlohmann::json::parse(response->body);
    return j.at("Id").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kProtocol, c.what + ": unexpected reply: " + e.what());
  }
}

Result<std::string> Client::createContainerFromJson(std::string body, std::string_view name) {
  Call c{.method = "POST", .path = "/containers/create", .body = std::move(body), .json_body = true,
         .what = "creating container " + std::string(name)};
  if (!name.empty()) c.query.emplace_back("name", std::string(name));
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  auto id = parseIdReply(response->body);
  if (!id) return fail(id.error().wrap(c.what));
  return id;
}

Result<std::string> Client::inspectContainerJson(std::string_view id) {
  Call c{.path = "/containers/" + pathSegment(id) + "/json", .what = "inspecting container " + std::string(id)};
  return checkStatus(call(c), c.what).map([](const HttpResponse& r) { return r.body; });
}

Result<bool> Client::networkExists(std::string_view name) {
  Call c{.path = "/networks/" + pathSegment(name), .what = "inspecting network " + std::string(name)};
  auto response = call(c);
  if (!response) return fail(response.error());
  if (response->status == 404) return false;
  return checkStatus(std::move(response), c.what).map([](const HttpResponse&) { return true; });
}

Result<void> Client::createNetwork(std::string_view name, const Labels& labels) {
  nlohmann::json body = {{"Name", name}, {"CheckDuplicate", true}, {"Driver", "bridge"}, {"Labels", labels}};
  Call c{.method = "POST", .path = "/networks/create", .body = body.dump(), .json_body = true,
         .what = "creating network " + std::string(name)};
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::connectNetwork(std::string_view network, std::string_view container) {
  nlohmann::json body = {{"Container", container}};
  Call c{.method = "POST", .path = "/networks/" + pathSegment(network) + "/connect", .body = body.dump(),
         .json_body = true, .what = "connecting " + std::string(container) + " to network " + std::string(network)};
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::connectNetwork(std::string_view network, std::string_view container,
                                    const std::string& endpoint_json) {
  nlohmann::json body = {{"Container", container}};
  auto endpoint = nlohmann::json::parse(endpoint_json, nullptr, false);
  if (endpoint.is_object()) body["EndpointConfig"] = endpoint;
  Call c{.method = "POST",
         .path = "/networks/" + pathSegment(network) + "/connect",
         .body = body.dump(),
         .json_body = true,
         .what = "connecting " + std::string(container) + " to network " + std::string(network)};
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::pullImage(std::string_view reference) {
  std::string ref(reference);
  std::string name = ref, tag;
  if (auto at = ref.find('@'); at != std::string::npos) {
    name = ref.substr(0, at);
    tag = ref.substr(at + 1);
  } else if (auto colon = ref.rfind(':'); colon != std::string::npos && ref.find('/', colon) == std::string::npos) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  Call c{.method = "POST", .path = "/images/create", .timeout = std::chrono::milliseconds(-1),
         .what = "pulling " + ref};
  c.query.emplace_back("fromImage", name);
  if (!tag.empty()) c.query.emplace_back("tag", tag);
  auto last_error = readProgressStream(c, nullptr);
  if (!last_error) return fail(last_error.error());
  if (!last_error->empty()) return fail(ErrorCode::kApi, c.what + ": " + *last_error);
  return {};
}

Result<std::string> Client::readProgressStream(const Call& c,
                                               const std::function<void(std::string_view json_line)>& on_message) {
  // The daemon answers 200 and reports failures inside the progress stream: read it to the end.
  std::string last_error, pending;
  auto streamed = streamCall(
      c, [](const HttpResponse&) { return true; },
      [&](std::string_view chunk) {
        pending.append(chunk);
        for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
          std::string_view text(pending.data(), nl);
          auto line = nlohmann::json::parse(text, nullptr, false);
          if (!line.is_object()) continue;
          if (line.contains("error")) last_error = line.value("error", "");
          if (on_message) on_message(text);
        }
        return true;
      },
      nullptr);
  auto checked = checkStatus(std::move(streamed), c.what);
  if (!checked) return fail(checked.error());
  return last_error;
}

Result<void> Client::pushImage(std::string_view reference, const std::string& registry_auth,
                               const std::function<void(std::string_view json_line)>& on_message) {
  std::string ref(reference), name = ref, tag;
  if (auto colon = ref.rfind(':'); colon != std::string::npos && ref.find('/', colon) == std::string::npos) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  Call c{.method = "POST",
         .path = "/images/" + name + "/push",
         .timeout = std::chrono::milliseconds(-1),
         .what = "pushing " + ref};
  if (!tag.empty()) c.query.emplace_back("tag", tag);
  c.headers.emplace_back("X-Registry-Auth", registry_auth);
  auto last_error = readProgressStream(c, on_message);
  if (!last_error) return fail(last_error.error());
  if (!last_error->empty()) return fail(ErrorCode::kApi, *last_error);
  return {};
}

Result<void> Client::startContainer(std::string_view id) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/start",
         .what = "starting container " + std::string(id)};
  return checkStatus(call(c), c.what, {304}).map([](const HttpResponse&) {});
}

Result<void> Client::stopContainer(std::string_view id, std::optional<int> timeout_s) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/stop",
         .what = "stopping container " + std::string(id)};
  c.timeout = stopBudget(id, timeout_s);
  if (timeout_s) c.query.emplace_back("t", std::to_string(*timeout_s));
  return checkStatus(call(c), c.what, {304}).map([](const HttpResponse&) {});
}

std::chrono::milliseconds Client::stopBudget(std::string_view id, std::optional<int> timeout_s) {
  // The daemon answers only after the container is down: allow its grace period and then some. Without an
  // explicit one, the grace period is the container's own StopTimeout (10 s unless set; -1 waits forever).
  int grace = 10;
  if (timeout_s) {
    grace = *timeout_s;
  } else if (auto inspected = inspectContainer(id); inspected && inspected->config.stop_timeout) {
    grace = *inspected->config.stop_timeout;
  }
  if (grace < 0) return std::chrono::hours(24);
  return std::chrono::seconds(grace + 30);
}

Result<void> Client::restartContainer(std::string_view id, std::optional<int> timeout_s) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/restart",
         .what = "restarting container " + std::string(id)};
  c.timeout = stopBudget(id, timeout_s);
  if (timeout_s) c.query.emplace_back("t", std::to_string(*timeout_s));
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::renameContainer(std::string_view id, std::string_view new_name) {
  Call c{.method = "POST",
         .path = "/containers/" + pathSegment(id) + "/rename",
         .what = "renaming container " + std::string(id) + " to " + std::string(new_name)};
  c.query.emplace_back("name", std::string(new_name));
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::pauseContainer(std::string_view id) {
  Call c{.method = "POST",
         .path = "/containers/" + pathSegment(id) + "/pause",
         .what = "pausing container " + std::string(id)};
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::unpauseContainer(std::string_view id) {
  Call c{.method = "POST",
         .path = "/containers/" + pathSegment(id) + "/unpause",
         .what = "unpausing container " + std::string(id)};
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<ExecResult> Client::exec(std::string_view id, const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout, std::string_view user) {
  nlohmann::json create = {{"AttachStdout", true}, {"AttachStderr", true}, {"Cmd", argv}};
  if (!user.empty()) create["User"] = user;
  Call c{.method = "POST",
         .path = "/containers/" + pathSegment(id) + "/exec",
         .body = create.dump(),
         .json_body = true,
         .what = "creating an exec in " + std::string(id)};
  auto created = checkStatus(call(c), c.what);
  if (!created) return fail(created.error());
  auto exec_id = parseIdReply(created->body);
  if (!exec_id) return fail(exec_id.error().wrap(c.what));
  ExecResult result;
  constexpr std::size_t kKeep = 64 * 1024;
  LogDemuxer demux(false, [&](const LogFrame& frame) {
    result.output.append(frame.data);
    if (result.output.size() > kKeep) result.output.erase(0, result.output.size() - kKeep);
    return true;
  });
  Call start{.method = "POST",
             .path = "/exec/" + pathSegment(*exec_id) + "/start",
             .body = R"({"Detach":false,"Tty":false})",
             .json_body = true,
             .timeout = timeout,
             .what = "running `" + (argv.empty() ? std::string() : argv.front()) + "` in " + std::string(id)};
  auto ran = checkStatus(streamCall(
                             start, {}, [&](std::string_view chunk) { return demux.feed(chunk); }, nullptr),
                         start.what);
  if (!ran) return fail(ran.error());
  Call inspect{.path = "/exec/" + pathSegment(*exec_id) + "/json", .what = "reading the exec's exit code"};
  auto state = checkStatus(call(inspect), inspect.what);
  if (!state) return fail(state.error());
  auto j = nlohmann::json::parse(state->body, nullptr, false);
  if (!j.is_object() || !j["ExitCode"].is_number_integer()) {
    return fail(Error{ErrorCode::kProtocol, "unexpected exec inspect reply", {inspect.what}});
  }
  result.exit_code = j["ExitCode"].get<int>();
  return result;
}

Result<void> Client::killContainer(std::string_view id, std::string_view signal) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/kill",
         .what = "killing container " + std::string(id)};
  c.query.emplace_back("signal", std::string(signal));
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::removeContainer(std::string_view id, const RemoveOptions& o) {
  Call c{.method = "DELETE", .path = "/containers/" + pathSegment(id),
         .what = "removing container " + std::string(id)};
  if (o.force) c.query.emplace_back("force", "1");
  if (o.volumes) c.query.emplace_back("v", "1");
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

namespace {

struct NodeState {
  std::int64_t version = 0;
  nlohmann::json spec;
};

Result<NodeState> parseNode(const std::string& body, std::string_view id) {
  try {
    auto j = nlohmann::json::parse(body);
    return NodeState{j.at("Version").at("Index").get<std::int64_t>(), j.at("Spec")};
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kProtocol, "node " + std::string(id) + ": unexpected answer: " + e.what());
  }
}

}  // namespace

Result<std::string> Client::nodeAvailability(std::string_view node_id) {
  Call c{.path = "/nodes/" + pathSegment(node_id), .what = "inspecting swarm node " + std::string(node_id)};
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  auto node = parseNode(response->body, node_id);
  if (!node) return fail(node.error());
  return node->spec.value("Availability", std::string("active"));
}

Result<void> Client::setNodeAvailability(std::string_view node_id, std::string_view availability) {
  Call get{.path = "/nodes/" + pathSegment(node_id), .what = "inspecting swarm node " + std::string(node_id)};
  auto response = checkStatus(call(get), get.what);
  if (!response) return fail(response.error());
  auto node = parseNode(response->body, node_id);
  if (!node) return fail(node.error());
  node->spec["Availability"] = std::string(availability);
  Call post{.method = "POST", .path = "/nodes/" + pathSegment(node_id) + "/update", .body = node->spec.dump(),
            .json_body = true, .what = "setting swarm node " + std::string(node_id) + " to " + std::string(availability)};
  post.query.emplace_back("version", std::to_string(node->version));
  auto updated = checkStatus(call(post), post.what);
  if (!updated) return fail(updated.error());
  return {};
}

Result<std::string> Client::inspectServiceJson(std::string_view name) {
  Call c{.path = "/services/" + pathSegment(name), .what = "inspecting swarm service " + std::string(name)};
  return checkStatus(call(c), c.what).map([](const HttpResponse& r) { return r.body; });
}

Result<std::vector<std::string>> Client::updateService(std::string_view id, std::int64_t version, std::string spec_json) {
  Call c{.method = "POST", .path = "/services/" + pathSegment(id) + "/update", .body = std::move(spec_json),
         .json_body = true, .what = "updating swarm service " + std::string(id)};
  c.query.emplace_back("version", std::to_string(version));
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  std::vector<std::string> warnings;
  auto j = nlohmann::json::parse(response->body, nullptr, false);
  if (j.is_object() && j.contains("Warnings") && j["Warnings"].is_array()) {
    for (const auto& w : j["Warnings"]) warnings.push_back(w.get<std::string>());
  }
  return warnings;
}

Result<std::string> Client::serviceTasksJson(std::string_view service_id) {
  Call c{.path = "/tasks", .what = "listing the tasks of swarm service " + std::string(service_id)};
  c.query.emplace_back("filters", filtersJson({{"service", {std::string(service_id)}}}));
  return checkStatus(call(c), c.what).map([](const HttpResponse& r) { return r.body; });
}

Result<std::vector<std::string>> Client::updateContainer(std::string_view id, const ResourceUpdate& update) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/update",
         .body = resourceUpdateJson(update), .json_body = true, .what = "updating container " + std::string(id)};
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  std::vector<std::string> warnings;
  try {
    auto j = nlohmann::json::parse(response->body);
    if (j.contains("Warnings") && j["Warnings"].is_array()) {
      for (const auto& w : j["Warnings"]) warnings.push_back(w.get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    // An empty or odd body after a 200 still means the update applied.
  }
  return warnings;
}

Result<int> Client::waitContainer(std::string_view id, std::string_view condition, std::chrono::milliseconds timeout) {
  Call c{.method = "POST", .path = "/containers/" + pathSegment(id) + "/wait", .timeout = timeout,
         .what = "waiting for container " + std::string(id)};
  c.query.emplace_back("condition", std::string(condition));
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  try {
    auto j = nlohmann::json::parse(response->body);
    return j.at("StatusCode").get<int>();
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kProtocol, c.what + ": unexpected reply: " + e.what());
  }
}

Result<std::vector<ImageSummary>> Client::listImages(bool all, const Filters& filters) {
  Call c{.path = "/images/json", .what = "listing images"};
  if (all) c.query.emplace_back("all", "1");
  if (!filters.empty()) c.query.emplace_back("filters", filtersJson(filters));
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseImageList(r.body); });
}

Result<ImageInspect> Client::inspectImage(std::string_view reference) {
  // Image references contain '/' and ':' which the daemon expects verbatim in the path.
  Call c{.path = "/images/" + std::string(reference) + "/json", .what = "inspecting image " + std::string(reference)};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseImageInspect(r.body); });
}

Result<std::string> Client::inspectImageJson(std::string_view reference) {
  Call c{.path = "/images/" + std::string(reference) + "/json", .what = "inspecting image " + std::string(reference)};
  return checkStatus(call(c), c.what).map([](const HttpResponse& r) { return r.body; });
}

Result<void> Client::removeImage(std::string_view reference, bool force) {
  Call c{.method = "DELETE", .path = "/images/" + std::string(reference),
         .what = "removing image " + std::string(reference)};
  if (force) c.query.emplace_back("force", "1");
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::tagImage(std::string_view source, std::string_view repo, std::string_view tag) {
  Call c{.method = "POST", .path = "/images/" + std::string(source) + "/tag",
         .what = "tagging image " + std::string(source)};
  c.query.emplace_back("repo", std::string(repo));
  c.query.emplace_back("tag", std::string(tag));
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<std::string> Client::commitContainer(std::string_view container, std::string_view repo, std::string_view tag,
                                            const std::vector<std::string>& changes) {
  Call c{.method = "POST", .path = "/commit", .what = "committing container " + std::string(container)};
  c.query.emplace_back("container", std::string(container));
  c.query.emplace_back("repo", std::string(repo));
  c.query.emplace_back("tag", std::string(tag));
  for (const auto& change : changes) c.query.emplace_back("changes", change);
  auto response = checkStatus(call(c), c.what);
  if (!response) return fail(response.error());
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("Id") || !body["Id"].is_string()) {
    return fail(ErrorCode::kProtocol, c.what + ": the engine's answer has no Id: " + response->body.substr(0, 200));
  }
  return body["Id"].get<std::string>();
}

Result<void> Client::exportImage(std::string_view reference, const ChunkSink& on_tar) {
  Call c{.path = "/images/" + std::string(reference) + "/get", .timeout = std::chrono::milliseconds(-1),
         .what = "exporting image " + std::string(reference)};
  return checkStatus(streamCall(c, {}, on_tar, nullptr), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::loadImage(std::string tar) {
  Call c{.method = "POST", .path = "/images/load", .body = std::move(tar), .timeout = std::chrono::minutes(10),
         .what = "loading an image"};
  c.query.emplace_back("quiet", "1");
  auto target = versionedTarget(c);
  if (!target) return fail(target.error());
  HttpRequest request{c.method, *target, {{"Content-Type", "application/x-tar"}}, c.body, {}, c.timeout};
  auto response = checkStatus(transport_.send(request), c.what);
  if (!response) return fail(response.error());
  // Progress arrives as JSON lines; a failure is a line with "error" even though the status was 200.
  std::string error;
  LineSplitter lines([&](std::string_view line) {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.contains("error") && j["error"].is_string()) error = j["error"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
    return true;
  });
  lines.feed(response->body + "\n");
  if (!error.empty()) return fail(ErrorCode::kApi, c.what + ": " + error);
  return {};
}

Result<std::vector<Volume>> Client::listVolumes(const Filters& filters) {
  Call c{.path = "/volumes", .what = "listing volumes"};
  if (!filters.empty()) c.query.emplace_back("filters", filtersJson(filters));
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseVolumeList(r.body); });
}

Result<Volume> Client::inspectVolume(std::string_view name) {
  Call c{.path = "/volumes/" + pathSegment(name), .what = "inspecting volume " + std::string(name)};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseVolume(r.body); });
}

Result<Volume> Client::createVolume(std::string_view name, const Labels& labels, std::string_view driver) {
  nlohmann::json body = {{"Name", name}, {"Driver", driver}, {"Labels", labels}};
  Call c{.method = "POST", .path = "/volumes/create", .body = body.dump(), .json_body = true,
         .what = "creating volume " + std::string(name)};
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseVolume(r.body); });
}

Result<void> Client::removeVolume(std::string_view name, bool force) {
  Call c{.method = "DELETE", .path = "/volumes/" + pathSegment(name), .what = "removing volume " + std::string(name)};
  if (force) c.query.emplace_back("force", "1");
  return checkStatus(call(c), c.what).map([](const HttpResponse&) {});
}

Result<void> Client::events(const EventQuery& q, const std::function<bool(const Event&)>& on_event, Cancel cancel,
                            const std::function<void()>& on_connected) {
  Call c{.path = "/events", .timeout = std::chrono::milliseconds(-1), .what = "streaming events"};
  if (!q.since.empty()) c.query.emplace_back("since", q.since);
  if (!q.until.empty()) c.query.emplace_back("until", q.until);
  if (!q.filters.empty()) c.query.emplace_back("filters", filtersJson(q.filters));
  bool stopped_by_handler = false;
  LineSplitter lines([&](std::string_view line) {
    auto event = parseEvent(line);
    if (!event) {
      SHIPSHAPE_LOG(docker, warn, "[endpoint={}] skipping an event: {}", endpoint().display(), event.error().describe());
      return true;
    }
    if (!on_event(*event)) {
      stopped_by_handler = true;
      return false;
    }
    return true;
  });
  HeadSink head = [&](const HttpResponse&) {
    if (on_connected) on_connected();
    return true;
  };
  auto response = checkStatus(streamCall(c, head, [&](std::string_view chunk) { return lines.feed(chunk); }, cancel),
                              c.what);
  if (!response) {
    if (stopped_by_handler && response.error().code == ErrorCode::kCancelled) return {};
    return fail(response.error());
  }
  return {};
}

Result<StatsSample> Client::stats(std::string_view id, bool one_shot) {
  Call c{.path = "/containers/" + pathSegment(id) + "/stats", .what = "reading stats of " + std::string(id)};
  c.query.emplace_back("stream", "0");
  if (one_shot) c.query.emplace_back("one-shot", "1");
  return checkStatus(call(c), c.what).and_then([](const HttpResponse& r) { return parseStats(r.body); });
}

Result<void> Client::streamStats(std::string_view id, const std::function<bool(const StatsSample&)>& on_sample,
                                 Cancel cancel) {
  Call c{.path = "/containers/" + pathSegment(id) + "/stats", .timeout = std::chrono::milliseconds(-1),
         .what = "streaming stats of " + std::string(id)};
  c.query.emplace_back("stream", "1");
  bool stopped_by_handler = false;
  LineSplitter lines([&](std::string_view line) {
    auto sample = parseStats(line);
    if (!sample) return true;
    if (!on_sample(*sample)) {
      stopped_by_handler = true;
      return false;
    }
    return true;
  });
  auto response = checkStatus(streamCall(c, {}, [&](std::string_view chunk) { return lines.feed(chunk); }, cancel),
                              c.what);
  if (!response && !(stopped_by_handler && response.error().code == ErrorCode::kCancelled)) {
    return fail(response.error());
  }
  return {};
}

Result<void> Client::logs(std::string_view id, const LogOptions& o, const std::function<bool(const LogFrame&)>& on_frame,
                          Cancel cancel) {
  // Whether the body is multiplexed depends on the container's TTY, which only inspect tells on API 1.41.
  auto inspected = inspectContainer(id);
  if (!inspected) return fail(inspected.error());
  Call c{.path = "/containers/" + pathSegment(id) + "/logs", .what = "reading logs of " + std::string(id)};
  if (o.follow) c.timeout = std::chrono::milliseconds(-1);
  c.query.emplace_back("stdout", o.stdout_stream ? "1" : "0");
  c.query.emplace_back("stderr", o.stderr_stream ? "1" : "0");
  if (o.follow) c.query.emplace_back("follow", "1");
  if (o.timestamps) c.query.emplace_back("timestamps", "1");
  if (!o.since.empty()) c.query.emplace_back("since", o.since);
  if (!o.tail.empty()) c.query.emplace_back("tail", o.tail);
  bool stopped_by_handler = false;
  LogDemuxer demux(inspected->config.tty, [&](const LogFrame& frame) {
    if (!on_frame(frame)) {
      stopped_by_handler = true;
      return false;
    }
    return true;
  });
  auto response = checkStatus(streamCall(c, {}, [&](std::string_view chunk) { return demux.feed(chunk); }, cancel),
                              c.what);
  if (demux.malformed()) return fail(ErrorCode::kProtocol, c.what + ": malformed multiplexed stream");
  if (!response && !(stopped_by_handler && response.error().code == ErrorCode::kCancelled)) {
    return fail(response.error());
  }
  return {};
}

Result<PathStat> Client::getArchive(std::string_view id, std::string_view path, const ChunkSink& on_tar,
                                    Cancel cancel) {
  Call c{.path = "/containers/" + pathSegment(id) + "/archive", .timeout = std::chrono::milliseconds(-1),
         .what = "copying " + std::string(path) + " out of " + std::string(id)};
  c.query.emplace_back("path", std::string(path));
  std::string stat_header;
  HeadSink head = [&](const HttpResponse& r) {
    stat_header = r.header("x-docker-container-path-stat");
    return true;
  };
  auto response = checkStatus(streamCall(c, head, on_tar, cancel), c.what);
  if (!response) return fail(response.error());
  if (stat_header.empty()) stat_header = response->header("x-docker-container-path-stat");
  if (stat_header.empty()) return PathStat{};
  return parsePathStatHeader(stat_header);
}

Result<void> Client::putArchive(std::string_view id, std::string_view dir, std::string tar) {
  Call c{.method = "PUT", .path = "/containers/" + pathSegment(id) + "/archive", .body = std::move(tar),
         .timeout = std::chrono::minutes(10),
         .what = "copying a tar into " + std::string(id) + ":" + std::string(dir)};
  c.query.emplace_back("path", std::string(dir));
  auto response = checkStatus(streamCall(c, {}, [](std::string_view) { return true; }, nullptr), c.what);
  if (!response) return fail(response.error());
  return {};
}

Result<void> Client::putArchive(std::string_view id, std::string_view dir, const BodySource& source, Cancel cancel) {
  Call c{.method = "PUT",
         .path = "/containers/" + pathSegment(id) + "/archive",
         .body_source = source,
         .timeout = std::chrono::milliseconds(-1),
         .what = "copying a tar into " + std::string(id) + ":" + std::string(dir)};
  c.query.emplace_back("path", std::string(dir));
  auto response = checkStatus(streamCall(
                                  c, {}, [](std::string_view) { return true; }, cancel),
                              c.what);
  if (!response) return fail(response.error());
  return {};
}

Result<PathStat> Client::statPath(std::string_view id, std::string_view path) {
  Call c{.method = "HEAD", .path = "/containers/" + pathSegment(id) + "/archive",
         .what = "stat " + std::string(id) + ":" + std::string(path)};
  c.query.emplace_back("path", std::string(path));
  auto response = checkStatus(call(c), c.what);
  if (!response) {
    // HEAD carries no body, so the daemon's message is lost; say what a 404 means here.
    if (response.error().http_status == 404) {
      return fail(Error{ErrorCode::kNotFound, "no such container or path", {c.what}, 404});
    }
    return fail(response.error());
  }
  return parsePathStatHeader(response->header("x-docker-container-path-stat"));
}

}  // namespace shipshape::docker
