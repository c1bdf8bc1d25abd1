#include "heal/healer.h"

namespace shipshape::heal {
namespace {

bool labelTrue(const docker::Labels& labels, const char* key) {
  auto it = labels.find(key);
  return it != labels.end() && (it->second == "true" || it->second == "1" || it->second == "yes");
}

bool labelFalse(const docker::Labels& labels, const char* key) {
  auto it = labels.find(key);
  return it != labels.end() && (it->second == "false" || it->second == "0" || it->second == "no");
}

}  // namespace

bool isProtected(const docker::Labels& labels) { return labelTrue(labels, kProtectLabel); }

bool parseAutohealMode(const std::string& text, AutohealMode* out) {
  if (text == "off") *out = AutohealMode::kOff;
  else if (text == "labelled" || text == "labeled") *out = AutohealMode::kLabelled;
  else if (text == "all") *out = AutohealMode::kAll;
  else return false;
  return true;
}

bool Healer::eligible(const docker::Labels& labels) const {
  switch (options_.mode) {
    case AutohealMode::kOff: return false;
    case AutohealMode::kLabelled: return labelTrue(labels, kAutohealLabel);
    case AutohealMode::kAll: return !labelFalse(labels, kAutohealLabel);
  }
  return false;
}

std::vector<Decision> Healer::unhealthy(const std::string& id, const std::string& name, const docker::Labels& labels,
                                        std::int64_t event_ms) {
  ContainerState& c = containers_[id];
  c.name = name;
  c.unhealthy = true;
  if (isProtected(labels) && options_.mode != AutohealMode::kOff) {
    return {{Decision::Kind::kSkipProtected, id, name, event_ms, "labelled shipshape.protect=true"}};
  }
  if (!eligible(labels)) return {};
  if (c.crash_looping) {
    return {{Decision::Kind::kSkipCrashLoop, id, name, event_ms,
             "crash loop: " + std::to_string(c.deaths.size()) + " deaths in the window"}};
  }
  return {{Decision::Kind::kRestart, id, name, event_ms, "health check failing"}};
}

std::vector<Decision> Healer::onAlreadyUnhealthy(const std::string& id, const std::string& name,
                                                 const docker::Labels& labels, std::int64_t now_ms) {
  return unhealthy(id, name, labels, now_ms);
}

void Healer::noteRestart(const std::string& id, std::int64_t now_ms, int stop_timeout_s) {
  containers_[id].expected_exit_until = now_ms + stop_timeout_s * 1000LL + 5000;
}

std::vector<Decision> Healer::onEvent(const docker::Event& e, std::int64_t now_ms) {
  (void)now_ms;
  if (e.type != "container") return {};
  const std::string& id = e.actor_id;
  auto name_it = e.attributes.find("name");
  std::string name = name_it == e.attributes.end() ? id.substr(0, 12) : name_it->second;
  // Event attributes carry the container's labels next to name, image and exitCode.
  const docker::Labels& labels = e.attributes;
  std::int64_t at = e.time_nano / 1000000;

  if (e.action == "health_status: unhealthy") return unhealthy(id, name, labels, at);
  if (e.action == "health_status: healthy") {
    auto it = containers_.find(id);
    if (it != containers_.end() && it->second.unhealthy) {
      it->second.unhealthy = false;
      return {{Decision::Kind::kRecovered, id, name, at, "health check passing"}};
    }
    return {};
  }
  if (e.action == "die") {
    ContainerState& c = containers_[id];
    c.name = name;
    if (at <= c.expected_exit_until) return {};  // our own restart
    c.deaths.push_back(at);
    while (!c.deaths.empty() && c.deaths.front() < at - options_.crash_loop_window.count()) c.deaths.pop_front();
    if (!c.crash_looping && static_cast<int>(c.deaths.size()) >= options_.crash_loop_deaths) {
      c.crash_looping = true;
      auto exit_code = e.attributes.find("exitCode");
      std::string detail = "died " + std::to_string(c.deaths.size()) + " times in " +
                           std::to_string((at - c.deaths.front()) / 1000) + " s (window " +
                           std::to_string(options_.crash_loop_window.count() / 1000) + " s)";
      if (exit_code != e.attributes.end()) detail += ", last exit code " + exit_code->second;
      return {{Decision::Kind::kCrashLoop, id, name, at, detail, c.deaths.front()}};
    }
    return {};
  }
  if (e.action == "destroy") {
    bool known = containers_.erase(id) > 0;
    if (known) return {{Decision::Kind::kGone, id, name, at, "container removed"}};
  }
  return {};
}

std::vector<Decision> Healer::tick(std::int64_t now_ms) {
  std::vector<Decision> out;
  for (auto& [id, c] : containers_) {
    if (!c.crash_looping || c.deaths.empty()) continue;
    if (now_ms - c.deaths.back() >= options_.crash_loop_quiet.count()) {
      c.crash_looping = false;
      c.deaths.clear();
      out.push_back({Decision::Kind::kCrashLoopOver, id, c.name, now_ms,
                     "no death for " + std::to_string(options_.crash_loop_quiet.count() / 1000) + " s"});
    }
  }
  return out;
}

}  // namespace shipshape::heal
