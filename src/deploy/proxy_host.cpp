#include "deploy/proxy_host.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/format.h"
#include "common/log.h"
#include "deploy/admin_client.h"
#include "deploy/container_address.h"
#include "deploy/image_keeper.h"
#include "deploy/service_spec.h"
#include "docker/client.h"
#include "proxy/admin_server.h"
#include "proxy/probe.h"
#include "proxy/proxy.h"
#include "proxy/proxy_metrics.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::deploy {
namespace {

using json = nlohmann::json;
using proxy::AdminReply;

AdminReply jsonReply(int status, const json& body) { return {status, body.dump()}; }
AdminReply errorReply(int status, const std::string& message) { return jsonReply(status, {{"error", message}}); }

json upstreamJson(const proxy::UpstreamPtr& u) {
  if (!u) return nullptr;
  const auto& t = u->target();
  return {{"address", t.address()},     {"container_id", t.container_id}, {"container_name", t.container_name},
          {"release_id", t.release_id}, {"requests", u->requests()},      {"responses_5xx", u->responses5xx()},
          {"upstream_errors", u->upstreamErrors()}, {"in_flight", u->inFlight()}};
}

bool statusPasses(int status, int expected) {
  return expected ? status == expected : status >= 200 && status < 300;
}

// What the bake watches, from the switch request.
struct BakePlan {
  std::string service;
  std::int64_t release_id = 0, previous_release_id = 0;
  std::int64_t switched_at_ms = 0;
  DeploySettings settings;
  proxy::UpstreamPtr candidate, previous;
};

struct BakeState {
  std::string state = "none";  // baking | passed | rolled_back | none
  std::int64_t release_id = 0;
  std::int64_t ends_at_ms = 0;
  std::string reason;
};

}  // namespace

struct ProxyHost::Impl {
  ProxyHostOptions options;
  store::ReleaseStore& releases;
  store::IncidentStore& incidents;
  std::unique_ptr<proxy::Proxy> proxy;
  std::unique_ptr<proxy::AdminServer> admin;

  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;                   // guarded by mu
  std::map<std::string, BakeState> bakes;  // guarded by mu
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers;             // bakes in progress or finished; guarded by mu

  Impl(ProxyHostOptions o, store::ReleaseStore& r, store::IncidentStore& i)
      : options(std::move(o)), releases(r), incidents(i) {}

  std::unique_ptr<docker::Client> docker() {
    auto c = docker::Client::fromEnvironment(options.docker_host);
    return c ? std::move(*c) : nullptr;
  }

  // ---- restore on start ----------------------------------------------------------------------------------
  void restore() {
    auto services = releases.services();
    if (!services) {
      SHIPSHAPE_LOG(proxy, error, "cannot read services: {}", services.error().describe());
      return;
    }
    auto client = docker();
    for (const auto& record : *services) {
      auto bound = proxy->listen(record.name, record.listen);
      if (!bound) {
        SHIPSHAPE_LOG(proxy, error, "[svc={}] {}", record.name, bound.error().describe());
        continue;
      }
      auto def = fromRecord(record);
      if (!def) continue;
      if (client) reconcile(*client, *def);
      auto current = releases.current(record.name);
      if (!current || !*current || !client) continue;
      auto target = containerTarget(*client, (*current)->container_id, def->networks, record.port);
      if (!target) {
        SHIPSHAPE_LOG(proxy, warn, "[svc={}] release {} is not reachable: {}", record.name, (*current)->id,
                      target.error().describe());
        continue;
      }
      target->release_id = (*current)->id;
      proxy->switchTo(record.name, std::make_shared<proxy::Upstream>(*target));
      proxy->clearStandby(record.name);
      SHIPSHAPE_LOG(proxy, info, "[svc={}] serving release {} ({}) on {}", record.name, (*current)->id,
                    target->address(), *bound);
    }
  }

  // What a previous host left half-done when it stopped: a deploy whose gate never ended (its candidate is
  // removed, the release failed) and a bake that never ended (the newest promoted release serves; the older
  // ones are superseded and their containers stopped and removed).
  void reconcile(docker::Client& client, const ServiceDefinition& def) {
    auto all = releases.list(def.name);
    if (!all) return;
    std::int64_t newest_promoted = 0;
    for (const auto& r : *all) {
      if (r.outcome == store::kPromoted) newest_promoted = r.id;
    }
    const std::int64_t now = nowMs();
    for (auto r : *all) {
      bool abandoned = r.outcome == store::kInProgress && now - r.started_at_ms > def.settings.gate_timeout_ms + 60000;
      bool stale = r.outcome == store::kPromoted && r.id != newest_promoted;
      if (!abandoned && !stale) continue;
      if (!r.container_id.empty()) {
        if (stale) (void)client.stopContainer(r.container_id);
        auto removed = client.removeContainer(r.container_id, {.force = true, .volumes = abandoned});
        if (!removed && removed.error().code != ErrorCode::kNotFound) {
          SHIPSHAPE_LOG(proxy, warn, "[svc={}] release {}: {}", def.name, r.id, removed.error().describe());
          continue;
        }
      }
      r.outcome = abandoned ? store::kFailed : store::kSuperseded;
      if (abandoned) r.reason = "interrupted: the deploy stopped before its gate finished";
      if (!r.finished_at_ms) r.finished_at_ms = now;
      (void)releases.update(r);
      SHIPSHAPE_LOG(proxy, info, "[svc={}] release {} reconciled: {}", def.name, r.id, r.outcome);
    }
  }

  // ---- admin API -----------------------------------------------------------------------------------------
  AdminReply handle(const std::string& method, const std::string& target, const std::string& body) {
    if (target == "/v1/ping") return jsonReply(200, {{"ok", true}});
    const std::string prefix = "/v1/services";
    if (target == prefix && method == "GET") {
      json all = json::array();
      for (const auto& s : proxy->services()) all.push_back(serviceJson(s.name));
      return jsonReply(200, all);
    }
    if (!target.starts_with(prefix + "/")) return errorReply(404, "no such endpoint " + target);
    std::string rest = target.substr(prefix.size() + 1);
    std::string name = rest.substr(0, rest.find('/'));
    std::string action = rest.size() > name.size() ? rest.substr(name.size() + 1) : "";
    json request = body.empty() ? json::object() : json::parse(body, nullptr, false);
    if (request.is_discarded()) return errorReply(400, "the body is not JSON");
    if (action.empty() && method == "GET") return jsonReply(200, serviceJson(name));
    if (action.empty() && method == "PUT") {
      auto bound = proxy->listen(name, request.value("listen", ""));
      if (!bound) return errorReply(400, bound.error().describe());
      return jsonReply(200, {{"listen", *bound}});
    }
    if (action == "probe" && method == "POST") return probe(request);
    if (action == "switch" && method == "POST") return startSwitch(name, request);
    return errorReply(404, "no such endpoint " + method + " " + target);
  }

  json serviceJson(const std::string& name) {
    auto route = proxy->route(name);
    json out = {{"name", name}, {"active", upstreamJson(route.active)}, {"standby", upstreamJson(route.standby)}};
    for (const auto& s : proxy->services()) {
      if (s.name == name) out["listen"] = s.listen;
    }
    std::lock_guard lock(mu);
    auto it = bakes.find(name);
    BakeState b = it == bakes.end() ? BakeState{} : it->second;
    out["bake"] = {{"state", b.state}, {"release_id", b.release_id}, {"ends_at_ms", b.ends_at_ms}, {"reason", b.reason}};
    return out;
  }

  AdminReply probe(const json& r) {
    auto result = proxy::httpProbe(r.value("method", "GET"), r.value("host", ""),
                                   static_cast<unsigned short>(r.value("port", 0)), r.value("path", "/"),
                                   std::chrono::milliseconds(r.value("timeout_ms", 2000)));
    bool passed = result.status != 0 && statusPasses(result.status, r.value("expect_status", 0));
    return jsonReply(200, {{"status", result.status},
                           {"error", result.error},
                           {"duration_ms", result.duration_ms},
                           {"body_start", result.body_start},
                           {"passed", passed}});
  }

  // ---- switch and bake -----------------------------------------------------------------------------------
  AdminReply startSwitch(const std::string& name, const json& r) {
    BakePlan plan;
    plan.service = name;
    plan.release_id = r.value("release_id", std::int64_t{0});
    auto record = releases.service(name);
    if (!record || !*record) return errorReply(404, "no service " + name + " in the state store");
    auto def = fromRecord(**record);
    if (!def) return errorReply(500, def.error().describe());
    plan.settings = def->settings;
    if (r.contains("bake_ms")) plan.settings.bake_ms = r["bake_ms"].get<std::int64_t>();
    auto release = releases.get(plan.release_id);
    if (!release) return errorReply(404, release.error().describe());
    // The check and the claim are one critical section: admin calls run on threads of their own, and two
    // switches that both saw "not baking" would both go ahead.
    BakeState before;
    {
      std::lock_guard lock(mu);
      if (stopping) return errorReply(503, "the proxy is shutting down");
      if (bakes[name].state == "baking") {
        return errorReply(409, "release " + std::to_string(bakes[name].release_id) + " of " + name +
                                   " is still baking; wait for it to end");
      }
      before = bakes[name];
      bakes[name] = BakeState{"baking", plan.release_id, 0, "switching"};
    }
    auto bound = proxy->listen(name, (*record)->listen);
    if (!bound) {
      std::lock_guard lock(mu);
      bakes[name] = before;  // nothing switched: give the claim back
      return errorReply(400, bound.error().describe());
    }

    proxy::UpstreamTarget target{.host = r.value("host", ""),
                                 .port = static_cast<unsigned short>(r.value("port", 0)),
                                 .container_id = release->container_id,
                                 .container_name = release->container_name,
                                 .release_id = plan.release_id};
    plan.candidate = std::make_shared<proxy::Upstream>(target);
    plan.candidate->setSlowThresholdMs(plan.settings.slow_ms);
    auto current = releases.current(name);
    plan.previous_release_id = current && *current ? (*current)->id : 0;

    // The switch itself: one pointer swap. Everything after is bookkeeping.
    plan.previous = proxy->switchTo(name, plan.candidate);
    plan.switched_at_ms = nowMs();
    release->outcome = store::kPromoted;
    release->switched_at_ms = plan.switched_at_ms;
    (void)releases.update(*release);
    SHIPSHAPE_LOG(proxy, info, "[svc={}] traffic switched to release {} ({}); bake {} ms", name, plan.release_id,
                  target.address(), plan.previous ? plan.settings.bake_ms : 0);
    {
      std::lock_guard lock(mu);
      bakes[name] = BakeState{"baking", plan.release_id, plan.switched_at_ms + plan.settings.bake_ms, ""};
      // Finished bakes are joined here, so a long-lived host does not pile up ended threads.
      std::erase_if(workers, [](Worker& w) {
        if (!w.done->load()) return false;
        w.thread.join();
        return true;
      });
      auto done = std::make_shared<std::atomic<bool>>(false);
      workers.push_back({std::thread([this, plan, done] {
                           bake(plan);
                           *done = true;
                         }),
                         done});
    }
    return jsonReply(200, {{"switched_at_ms", plan.switched_at_ms},
                           {"listen", *bound},
                           {"previous", upstreamJson(plan.previous)},
                           {"bake_ends_at_ms", plan.switched_at_ms + plan.settings.bake_ms}});
  }

  // Waits `ms` unless the host stops; false when it stops.
  bool sleepFor(std::int64_t ms) {
    std::unique_lock lock(mu);
    return !wake.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping; });
  }

  void bake(BakePlan plan) {
    const auto& s = plan.settings;
    std::string breach;
    std::int64_t breach_at = 0;
    if (plan.previous) {
      std::int64_t ends = plan.switched_at_ms + s.bake_ms;
      std::int64_t next_probe = nowMs() + 1000;
      int failed_probes = 0;
      while (nowMs() < ends) {
        if (!sleepFor(50)) return;  // shutting down: the release stays promoted, the previous one running
        std::int64_t now = nowMs();
        auto w = plan.candidate->window(now, 1000);
        if (w.requests >= s.min_requests && w.errorRatio() > s.max_5xx_ratio) {
          breach = fmt::format("{:.0f}% of answers were errors over the last second ({} of {}; limit {:.0f}%)",
                               w.errorRatio() * 100, w.errors, w.requests, s.max_5xx_ratio * 100);
        } else if (w.requests >= s.min_requests && w.slowRatio() > s.max_slow_ratio) {
          breach = fmt::format("{:.0f}% of answers took over {} ms in the last second ({} of {}; limit {:.0f}%)",
                               w.slowRatio() * 100, s.slow_ms, w.slow, w.requests, s.max_slow_ratio * 100);
        } else if (now >= next_probe) {
          next_probe = now + 1000;
          const auto& t = plan.candidate->target();
          auto p = proxy::httpProbe("GET", t.host, t.port, s.health_path.empty() ? "/" : s.health_path,
                                    std::chrono::milliseconds(900));
          bool ok = p.status != 0 &&
                    (s.health_path.empty() ? p.status < 500 : statusPasses(p.status, s.health_status));
          failed_probes = ok ? 0 : failed_probes + 1;
          if (failed_probes >= s.health_failures) {
            breach = "health probe failed " + std::to_string(failed_probes) + " times in a row (" +
                     (p.status ? "status " + std::to_string(p.status) : p.error) + ")";
          }
        }
        if (!breach.empty()) {
          breach_at = nowMs();
          break;
        }
      }
    }
    if (!breach.empty()) {
      switchBack(plan, breach, breach_at);
    } else {
      finishBake(plan);
    }
  }

  // Breach: the warm previous version takes the traffic back at once; then the books, then the clean-up.
  void switchBack(const BakePlan& plan, const std::string& breach, std::int64_t breach_at) {
    proxy->switchBack(plan.service);
    proxy->clearStandby(plan.service);
    plan.candidate->retire();
    std::int64_t back_at = nowMs();
    SHIPSHAPE_LOG(proxy, warn, "[svc={}] release {} rolled back in {} ms: {}", plan.service, plan.release_id,
                  back_at - breach_at, breach);
    {
      std::lock_guard lock(mu);
      bakes[plan.service] = BakeState{"rolled_back", plan.release_id, back_at, breach};
    }
    auto release = releases.get(plan.release_id);
    if (release) {
      release->outcome = store::kRolledBack;
      release->reason = "bake: " + breach;
      release->finished_at_ms = back_at;
      std::int64_t first_error = plan.candidate->firstErrorMs();
      release->detect_ms = breach_at - (first_error > 0 && first_error <= breach_at ? first_error : plan.switched_at_ms);
      release->rollback_ms = back_at - breach_at;
      release->gate.push_back({"bake", false, breach_at - plan.switched_at_ms, breach});
      (void)releases.update(*release);
    }
    store::Incident incident;
    incident.kind = "deploy-rolled-back";
    incident.subject = plan.service;
    incident.subject_id = plan.candidate->target().container_id;
    incident.situation = "release " + std::to_string(plan.release_id) + " of " + plan.service + " (" +
                         (release ? release->image : std::string("?")) + ") regressed after taking traffic: " + breach;
    incident.task = "send the traffic back to release " + std::to_string(plan.previous_release_id) +
                    ", still running warm, and retire the candidate";
    // The regression began with the candidate's first error (health breaches have none: the breach itself).
    std::int64_t first_error = plan.candidate->firstErrorMs();
    incident.started_at_ms = first_error > 0 && first_error <= breach_at ? first_error : breach_at;
    incident.detected_at_ms = breach_at;
    incident.actions.push_back({back_at, "switch-back",
                                "traffic moved back to release " + std::to_string(plan.previous_release_id) + " (" +
                                    plan.previous->target().address() + ")",
                                "ok", true, back_at - breach_at});
    auto id = incidents.openIncident(incident);

    auto left = proxy::Proxy::drain(*plan.candidate, std::chrono::milliseconds(plan.settings.drain_ms));
    std::string removed = "ok";
    if (auto client = docker()) {
      (void)client->stopContainer(plan.candidate->target().container_id, 2);
      plan.candidate->closeTunnels();
      auto r = client->removeContainer(plan.candidate->target().container_id, {.force = true, .volumes = true});
      if (!r) removed = r.error().describe();
    }
    if (id) {
      (void)incidents.addAction(*id, {nowMs(), "remove", "candidate " + plan.candidate->target().container_name +
                                                             " drained (" + std::to_string(left) +
                                                             " requests left) and removed",
                                      removed, true, nowMs() - back_at});
      (void)incidents.resolve(*id, back_at,
                              "release " + std::to_string(plan.previous_release_id) + " serving again " +
                                  std::to_string(back_at - breach_at) + " ms after the breach");
    }
  }

  // The bake passed (or there was nothing to compare with): the old version drains and stops.
  void finishBake(const BakePlan& plan) {
    proxy->clearStandby(plan.service);
    std::int64_t done_at = nowMs();
    if (auto release = releases.get(plan.release_id)) {
      release->finished_at_ms = done_at;
      if (plan.previous) {
        release->gate.push_back({"bake", true, done_at - plan.switched_at_ms,
                                 std::to_string(plan.candidate->requests()) + " requests, " +
                                     std::to_string(plan.candidate->responses5xx()) + " 5xx"});
      }
      (void)releases.update(*release);
    }
    if (plan.previous_release_id) {
      if (auto previous = releases.get(plan.previous_release_id); previous && previous->outcome == store::kPromoted) {
        previous->outcome = store::kSuperseded;
        if (!previous->finished_at_ms) previous->finished_at_ms = done_at;
        (void)releases.update(*previous);
      }
    }
    auto client = docker();
    if (plan.previous) {
      plan.previous->retire();
      auto left = proxy::Proxy::drain(*plan.previous, std::chrono::milliseconds(plan.settings.drain_ms));
      if (left > 0) SHIPSHAPE_LOG(proxy, warn, "[svc={}] drain ended with {} requests in flight", plan.service, left);
      if (client) {
        // Only now the old version gets SIGTERM (and its own stop timeout); WebSockets end with it.
        const auto& old_id = plan.previous->target().container_id;
        (void)client->stopContainer(old_id);
        plan.previous->closeTunnels();
        (void)client->removeContainer(old_id, {.force = true});
      }
    }
    if (client) {
      auto kept = protectKnownGood(*client, releases, plan.service, plan.settings.keep_releases);
      if (!kept) SHIPSHAPE_LOG(proxy, warn, "[svc={}] protecting images: {}", plan.service, kept.error().describe());
    }
    // Announced last: a waiting `deploy` returns once the old version is really gone.
    std::lock_guard lock(mu);
    bakes[plan.service] = BakeState{"passed", plan.release_id, nowMs(), ""};
  }
};

ProxyHost::ProxyHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProxyHost::~ProxyHost() {
  impl_->admin.reset();
  std::vector<Impl::Worker> workers;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    workers.swap(impl_->workers);
  }
  impl_->wake.notify_all();
  for (auto& w : workers) w.thread.join();
  impl_->proxy.reset();
}

Result<std::unique_ptr<ProxyHost>> ProxyHost::start(ProxyHostOptions options, store::ReleaseStore& releases,
                                                   store::IncidentStore& incidents) {
  auto impl = std::make_unique<Impl>(std::move(options), releases, incidents);
  auto proxy = proxy::Proxy::start({.threads = impl->options.threads});
  if (!proxy) return fail(proxy.error());
  impl->proxy = std::move(*proxy);
  impl->restore();
  Impl* raw = impl.get();
  auto admin = proxy::AdminServer::start(
      adminSocketPath(impl->options.state_dir),
      [raw](const std::string& m, const std::string& t, const std::string& b) { return raw->handle(m, t, b); });
  if (!admin) return fail(admin.error());
  impl->admin = std::move(*admin);
  return std::unique_ptr<ProxyHost>(new ProxyHost(std::move(impl)));
}

std::string ProxyHost::metrics() const { return proxy::renderProxyMetrics(impl_->proxy->services()); }

std::string ProxyHost::adminSocket() const { return adminSocketPath(impl_->options.state_dir); }

}  // namespace shipshape::deploy
