#include "admit/admission.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "admit/authz_message.h"
#include "admit/create_request.h"
#include "common/format.h"
#include "common/log.h"
#include "docker/client.h"
#include "docker/event_watcher.h"
#include "rules/policy.h"
#include "store/incident_store.h"

namespace shipshape::admit {

using nlohmann::json;

namespace {

// Upper bounds of the judging-time histogram, seconds.
constexpr double kBuckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1};

bool isContainerCreate(const AuthzRequest& r, const ApiRoute& route) {
  return r.method == "POST" && route.path == "/containers/create";
}

// "/containers/{id}/exec" -> id
std::optional<std::string> execContainer(const AuthzRequest& r, const ApiRoute& route) {
  constexpr std::string_view kPrefix = "/containers/", kSuffix = "/exec";
  const std::string& p = route.path;
  if (r.method != "POST" || p.size() <= kPrefix.size() + kSuffix.size() || p.rfind(kPrefix, 0) != 0 ||
      p.compare(p.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return std::nullopt;
  }
  return p.substr(kPrefix.size(), p.size() - kPrefix.size() - kSuffix.size());
}

}  // namespace

Admission::Admission(AdmissionOptions options)
    : options_(std::move(options)), latency_buckets_(std::size(kBuckets), 0) {}

Admission::~Admission() {
  stop_.store(true);
  if (events_.joinable()) events_.join();
}

void Admission::startImageCache() {
  if (events_.joinable()) return;
  docker::EventWatcherOptions watch;
  watch.filters["type"] = {"image"};
  watch.max_backoff = std::chrono::milliseconds(2000);
  docker::EventWatcherCallbacks callbacks;
  callbacks.on_event = [this](const docker::Event&) {
    invalidateImages(true);
    image_events_.fetch_add(1, std::memory_order_relaxed);
  };
  callbacks.on_connected = [this](bool) { invalidateImages(true); };
  callbacks.on_disconnected = [this](const Error&) { invalidateImages(false); };
  docker::ClientOptions client_options;
  client_options.transport.connect_timeout = std::chrono::milliseconds(1000);
  events_ = std::thread([this, client_options, watch = std::move(watch), callbacks = std::move(callbacks)] {
    docker::EventWatcher watcher(options_.engine, client_options, watch, callbacks);
    watcher.run(stop_);
  });
}

void Admission::invalidateImages(bool live) {
  std::lock_guard lock(mu_);
  image_cache_.clear();
  ++cache_generation_;
  cache_live_ = live;
}

Result<std::string> Admission::imageJson(const std::string& reference) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (cache_live_) {
      if (auto it = image_cache_.find(reference); it != image_cache_.end()) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
    }
    generation = cache_generation_;
  }
  cache_misses_.fetch_add(1, std::memory_order_relaxed);
  auto client = takeClient();
  auto answer = client->inspectImageJson(reference);
  giveBack(std::move(client));
  if (!answer) return answer;
  std::lock_guard lock(mu_);
  // Kept only if no image event came in while we asked: otherwise it may already be stale.
  if (cache_live_ && generation == cache_generation_) {
    if (image_cache_.size() >= 4096) image_cache_.clear();
    image_cache_[reference] = *answer;
  }
  return answer;
}

std::optional<std::string> Admission::answerAtOnce(std::string_view authz_request_json) {
  auto request = parseAuthzRequest(authz_request_json);
  if (!request) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return authzAnswer(false, "shipshape: " + request.error().describe());
  }
  ApiRoute route = apiRoute(request->uri);
  if ((options_.config.judge_create && isContainerCreate(*request, route)) ||
      (options_.config.judge_exec && execContainer(*request, route))) {
    return std::nullopt;
  }
  passed_.fetch_add(1, std::memory_order_relaxed);
  return authzAnswer(true);
}

std::unique_ptr<docker::Client> Admission::takeClient() {
  {
    std::lock_guard lock(mu_);
    if (!clients_.empty()) {
      auto c = std::move(clients_.back());
      clients_.pop_back();
      return c;
    }
  }
  docker::ClientOptions o;
  // Every container create waits on us: a slow engine answer must not become a slow (or hung) create.
  o.transport.connect_timeout = std::chrono::milliseconds(1000);
  o.transport.request_timeout = std::chrono::milliseconds(3000);
  return std::make_unique<docker::Client>(options_.engine, o);
}

void Admission::giveBack(std::unique_ptr<docker::Client> client) {
  std::lock_guard lock(mu_);
  clients_.push_back(std::move(client));
}

rules::LiveSnapshot Admission::context() {
  {
    std::lock_guard lock(mu_);
    if (context_) return *context_;
  }
  rules::LiveSnapshot s;
  std::ifstream in(options_.daemon_json);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    s.daemon_json = text.str();
  }
  auto client = takeClient();
  auto info = client->info();
  giveBack(std::move(client));
  if (!info) {
    // Judge with what we have; ask again next time (the engine may still be starting).
    SHIPSHAPE_LOG(admit, warn, "engine info unavailable, AppArmor settings unknown: {}", info.error().describe());
    return s;
  }
  s.info = std::move(*info);
  std::lock_guard lock(mu_);
  context_ = s;
  return s;
}

Admission::Judged Admission::judgeCreate(const std::string& body, const std::string& name) {
  Judged out;
  out.subject = "container " + (name.empty() ? std::string("(unnamed)") : name);
  auto image = requestedImage(body);
  if (!image) {
    // The engine refuses a body it cannot read anyway; allow so its own error reaches the client.
    return out;
  }
  out.subject += " (image " + *image + ")";
  auto image_json = imageJson(*image);
  if (!image_json) {
    if (image_json.error().http_status == 404) {
      // The engine answers "No such image" and the CLI pulls and asks again: that request is judged.
      return out;
    }
    out.verdict.kind = options_.config.mode == Mode::kEnforce ? Verdict::Kind::kDeny : Verdict::Kind::kWarn;
    out.verdict.message =
        "shipshape could not read image " + *image + " to judge " + out.subject + ": " + image_json.error().describe();
    errors_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  auto request = parseCreateRequest(body, name, *image_json);
  if (!request) return out;
  rules::LiveSnapshot ctx = context();
  if (request->image) ctx.images[request->image->id] = *request->image;
  auto findings = rules::checkContainer(ctx, request->container);
  out.verdict = judge(options_.config, out.subject, *image, request->container.config.labels, findings);
  return out;
}

Admission::Judged Admission::judgeExec(const std::string& body, const std::string& container) {
  Judged out;
  out.subject = "exec in container " + container;
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return out;
  std::vector<rules::Finding> findings;
  auto where = rules::Location::object("container", container);
  if (j.value("Privileged", false)) findings.push_back(rules::makeFinding("SS403", "exec runs privileged", where));
  std::string user = j.value("User", std::string());
  if (!user.empty() && rules::isRootUser(user)) {
    findings.push_back(rules::makeFinding("SS401", "exec runs as " + user, where));
  }
  out.verdict = judge(options_.config, out.subject, "", {}, findings);
  return out;
}

void Admission::record(const Judged& judged, const std::string& image) {
  const Verdict& v = judged.verdict;
  switch (v.kind) {
    case Verdict::Kind::kAllow: allowed_.fetch_add(1, std::memory_order_relaxed); break;
    case Verdict::Kind::kDeny: denied_.fetch_add(1, std::memory_order_relaxed); break;
    case Verdict::Kind::kWarn: warned_.fetch_add(1, std::memory_order_relaxed); break;
    case Verdict::Kind::kExempt: exempt_.fetch_add(1, std::memory_order_relaxed); break;
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& f : v.violations) ++violations_[f.rule_id];
  }
  if (v.kind == Verdict::Kind::kAllow) return;
  SHIPSHAPE_LOG(admit, info, "{}: {}", verdictName(v.kind), v.message);
  if (!options_.store) return;
  std::int64_t now = nowMs();
  store::Incident incident;
  incident.kind = v.kind == Verdict::Kind::kDeny   ? "admission-denied"
                  : v.kind == Verdict::Kind::kWarn ? "admission-warning"
                                                   : "admission-exempt";
  incident.subject = judged.subject;
  incident.situation = v.message;
  incident.task = "keep containers that break the admission policy from starting";
  incident.result = v.kind == Verdict::Kind::kDeny ? "denied at the engine; nothing was created"
                                                   : std::string("allowed (") + verdictName(v.kind) + ")";
  incident.started_at_ms = incident.detected_at_ms = now;
  store::Action action;
  action.at_ms = now;
  action.kind = v.kind == Verdict::Kind::kDeny ? "deny" : "allow";
  action.description =
      (image.empty() ? std::string() : "image " + image + ", ") + "mode " + modeName(options_.config.mode);
  action.outcome = "ok";
  incident.actions.push_back(action);
  // Over as soon as it is decided: opened and resolved at the same instant, so it never counts as open.
  auto stored = options_.store->openIncident(incident);
  Result<void> resolved = stored ? options_.store->resolve(*stored, now, incident.result) : fail(stored.error());
  if (!resolved) {
    SHIPSHAPE_LOG(admit, warn, "could not record the admission incident: {}", resolved.error().describe());
  }
}

std::string Admission::authzRequest(std::string_view authz_request_json) {
  auto request = parseAuthzRequest(authz_request_json);
  if (!request) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return authzAnswer(false, "shipshape: " + request.error().describe());
  }
  ApiRoute route = apiRoute(request->uri);
  const bool create = options_.config.judge_create && isContainerCreate(*request, route);
  auto exec = options_.config.judge_exec ? execContainer(*request, route) : std::nullopt;
  if (!create && !exec) {
    passed_.fetch_add(1, std::memory_order_relaxed);
    return authzAnswer(true);
  }
  auto started = std::chrono::steady_clock::now();
  Judged judged;
  std::string image;
  if (!request->has_body) {
    // The engine forwards bodies up to 1 MiB of JSON; without one there is nothing to judge, so the policy's
    // mode decides (enforce fails closed).
    judged.subject = create ? "container " + queryParam(route.query, "name") : "exec in " + *exec;
    judged.verdict.kind = options_.config.mode == Mode::kEnforce ? Verdict::Kind::kDeny : Verdict::Kind::kWarn;
    judged.verdict.message = "shipshape could not judge " + judged.subject + ": the engine sent no request body";
  } else if (create) {
    judged = judgeCreate(request->body, queryParam(route.query, "name"));
    if (auto i = requestedImage(request->body)) image = *i;
  } else {
    judged = judgeExec(request->body, *exec);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  {
    std::lock_guard lock(mu_);
    latency_sum_s_ += seconds;
    for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
      if (seconds <= kBuckets[i]) ++latency_buckets_[i];
    }
  }
  record(judged, image);
  return authzAnswer(judged.verdict.allowed(), judged.verdict.allowed() ? "" : judged.verdict.message);
}

std::uint64_t Admission::count(Verdict::Kind kind) const {
  switch (kind) {
    case Verdict::Kind::kAllow: return allowed_.load();
    case Verdict::Kind::kDeny: return denied_.load();
    case Verdict::Kind::kWarn: return warned_.load();
    case Verdict::Kind::kExempt: return exempt_.load();
  }
  return 0;
}

std::string Admission::renderMetrics() const {
  std::string out;
  out += "# HELP shipshape_admission_requests_total Container creates and execs judged by the plugin, by verdict.\n";
  out += "# TYPE shipshape_admission_requests_total counter\n";
  for (auto kind : {Verdict::Kind::kAllow, Verdict::Kind::kDeny, Verdict::Kind::kWarn, Verdict::Kind::kExempt}) {
    out += fmt::format("shipshape_admission_requests_total{{verdict=\"{}\"}} {}\n", verdictName(kind), count(kind));
  }
  out += "# HELP shipshape_admission_passthrough_total Engine requests the policy does not judge (allowed at once).\n";
  out += "# TYPE shipshape_admission_passthrough_total counter\n";
  out += fmt::format("shipshape_admission_passthrough_total {}\n", passed_.load());
  out += "# HELP shipshape_admission_image_lookups_total Image configs judged, by where they came from.\n";
  out += "# TYPE shipshape_admission_image_lookups_total counter\n";
  out += fmt::format("shipshape_admission_image_lookups_total{{source=\"cache\"}} {}\n", cache_hits_.load());
  out += fmt::format("shipshape_admission_image_lookups_total{{source=\"engine\"}} {}\n", cache_misses_.load());
  out += "# HELP shipshape_admission_image_events_total Image events seen (each one empties the image cache).\n";
  out += "# TYPE shipshape_admission_image_events_total counter\n";
  out += fmt::format("shipshape_admission_image_events_total {}\n", image_events_.load());
  out += "# HELP shipshape_admission_errors_total Requests that could not be judged.\n";
  out += "# TYPE shipshape_admission_errors_total counter\n";
  out += fmt::format("shipshape_admission_errors_total {}\n", errors_.load());
  std::lock_guard lock(mu_);
  out += "# HELP shipshape_admission_violations_total Rule violations found in judged requests, by rule.\n";
  out += "# TYPE shipshape_admission_violations_total counter\n";
  for (const auto& [rule, n] : violations_) {
    out += fmt::format("shipshape_admission_violations_total{{rule=\"{}\"}} {}\n", rule, n);
  }
  out += "# HELP shipshape_admission_judge_seconds Time to judge one request, image lookup included.\n";
  out += "# TYPE shipshape_admission_judge_seconds histogram\n";
  std::uint64_t total = allowed_.load() + denied_.load() + warned_.load() + exempt_.load();
  for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
    out += fmt::format("shipshape_admission_judge_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], latency_buckets_[i]);
  }
  out += fmt::format("shipshape_admission_judge_seconds_bucket{{le=\"+Inf\"}} {}\n", total);
  out += fmt::format("shipshape_admission_judge_seconds_sum {:.6f}\n", latency_sum_s_);
  out += fmt::format("shipshape_admission_judge_seconds_count {}\n", total);
  return out;
}

}  // namespace shipshape::admit
