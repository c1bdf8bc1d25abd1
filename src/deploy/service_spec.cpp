#include "deploy/service_spec.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>

#include "common/format.h"
#include "dockerfile/shell_words.h"

namespace shipshape::deploy {
namespace {

using json = nlohmann::json;

// ---- settings ------------------------------------------------------------------------------------------

Result<std::int64_t> durationSetting(const std::string& key, const std::string& text) {
  std::int64_t ms = parseDurationMs(text);
  if (ms < 0) return fail(ErrorCode::kInvalidArgument, key + ": \"" + text + "\" is not a duration like 500ms, 30s, 5m");
  return ms;
}

Result<double> numberSetting(const std::string& key, const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || v < 0) return fail(ErrorCode::kInvalidArgument, key + ": \"" + text + "\" is not a number");
  return v;
}

std::string scalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return std::to_string(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

// "GET /kv 200", "/health", "POST /x 201"
Result<SmokeTest> parseHttpSmoke(const std::string& name, const std::string& text) {
  SmokeTest t;
  t.name = name;
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) parts.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  std::size_t k = 0;
  if (k < parts.size() && !parts[k].starts_with("/")) t.method = parts[k++];
  if (k >= parts.size() || !parts[k].starts_with("/")) {
    return fail(ErrorCode::kInvalidArgument, "smoke test " + name + ": \"" + text + "\" is not \"[METHOD] /path [STATUS]\"");
  }
  t.path = parts[k++];
  if (k < parts.size()) t.expect_status = std::atoi(parts[k++].c_str());
  if (k < parts.size() || t.expect_status < 100 || t.expect_status > 599) {
    return fail(ErrorCode::kInvalidArgument, "smoke test " + name + ": \"" + text + "\" is not \"[METHOD] /path [STATUS]\"");
  }
  return t;
}

// One setting by its key (the label without "shipshape.", or the x-shipshape path joined with dots).
Result<void> applySetting(DeploySettings& s, const std::string& key, const std::string& value) {
  auto dur = [&](std::int64_t& out) -> Result<void> {
    auto v = durationSetting(key, value);
    if (!v) return fail(v.error());
    out = *v;
    return {};
  };
  auto num = [&](double& out) -> Result<void> {
    auto v = numberSetting(key, value);
    if (!v) return fail(v.error());
    out = *v;
    return {};
  };
  auto integer = [&](int& out) -> Result<void> {
    auto v = numberSetting(key, value);
    if (!v) return fail(v.error());
    out = static_cast<int>(*v);
    return {};
  };
  if (key == "proxy.listen" || key == "listen") {
    s.listen = value.find(':') == std::string::npos ? "127.0.0.1:" + value : value;
    return {};
  }
  if (key == "proxy.port" || key == "port") return integer(s.port);
  if (key == "health.path") {
    s.health_path = value;
    return {};
  }
  if (key == "health.status") return integer(s.health_status);
  if (key == "health.count") return integer(s.probe_count);
  if (key == "health.interval") return dur(s.probe_interval_ms);
  if (key == "gate.timeout") return dur(s.gate_timeout_ms);
  if (key == "bake" || key == "bake.duration") return dur(s.bake_ms);
  if (key == "bake.max_5xx_ratio") return num(s.max_5xx_ratio);
  if (key == "bake.slow") return dur(s.slow_ms);
  if (key == "bake.max_slow_ratio") return num(s.max_slow_ratio);
  if (key == "bake.min_requests") return integer(s.min_requests);
  if (key == "bake.health_failures") return integer(s.health_failures);
  if (key == "drain.timeout" || key == "drain") return dur(s.drain_ms);
  if (key == "keep_releases") return integer(s.keep_releases);
  if (key.starts_with("smoke.")) {
    std::string name = key.substr(6);
    if (name.ends_with(".cmd")) {
      name.resize(name.size() - 4);
      auto argv = json::parse(value, nullptr, false);
      if (!argv.is_array() || argv.empty()) {
        return fail(ErrorCode::kInvalidArgument, "smoke test " + name + ": the command must be a JSON argv list");
      }
      SmokeTest t;
      t.name = name;
      for (const auto& a : argv) t.command.push_back(scalarText(a));
      s.smoke.push_back(std::move(t));
      return {};
    }
    auto t = parseHttpSmoke(name, value);
    if (!t) return fail(t.error());
    s.smoke.push_back(std::move(*t));
    return {};
  }
  return fail(ErrorCode::kInvalidArgument, "unknown setting shipshape." + key);
}

void flatten(const json& node, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (node.is_array() && prefix.starts_with("smoke.") && prefix.ends_with(".cmd")) {
    out.emplace_back(prefix, node.dump());
  } else if (!node.is_null()) {
    out.emplace_back(prefix, scalarText(node));
  }
}

// ---- Compose -------------------------------------------------------------------------------------------

json nodeToJson(const compose::Node& n) {
  switch (n.kind) {
    case compose::Node::Kind::kMap: {
      json o = json::object();
      for (const auto& [k, v] : n.map) o[k] = nodeToJson(v);
      return o;
    }
    case compose::Node::Kind::kSeq: {
      json a = json::array();
      for (const auto& v : n.seq) a.push_back(nodeToJson(v));
      return a;
    }
    case compose::Node::Kind::kScalar:
      return n.scalar;
    default:
      return nullptr;
  }
}

std::vector<std::string> words(const compose::Node& n) {
  std::vector<std::string> out;
  if (n.isSeq()) {
    for (const auto& v : n.seq) out.push_back(v.text());
  } else if (n.isScalar()) {
    for (auto& w : dockerfile::splitWords(n.text(), {})) out.push_back(std::move(w.text));
  }
  return out;
}

// environment / labels: a map or a list of KEY=VALUE.
std::vector<std::pair<std::string, std::string>> keyValues(const compose::Node& n) {
  std::vector<std::pair<std::string, std::string>> out;
  if (n.isMap()) {
    for (const auto& [k, v] : n.map) out.emplace_back(k, v.text());
  } else if (n.isSeq()) {
    for (const auto& v : n.seq) {
      auto eq = v.text().find('=');
      out.emplace_back(v.text().substr(0, eq), eq == std::string::npos ? "" : v.text().substr(eq + 1));
    }
  }
  return out;
}

std::int64_t nanos(const compose::Node* n) {
  if (!n) return 0;
  std::int64_t ms = parseDurationMs(n->text());
  return ms < 0 ? 0 : ms * 1000000;
}

Error at(const compose::Node& n, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument, compose::positionOf(n) + ": " + message, {}, 0};
}

}  // namespace

Result<DeploySettings> readSettings(const json& labels, const json& x_shipshape) {
  DeploySettings s;
  std::vector<std::pair<std::string, std::string>> entries;
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) {
      // Only the deploy's own label families: shipshape.* labels of other features (autoheal, protect,
      // limits, ...) are not ours to judge. Within a family, an unknown key is an error.
      static constexpr std::string_view kFamilies[] = {"shipshape.proxy.", "shipshape.health.", "shipshape.gate.",
                                                       "shipshape.bake",   "shipshape.drain",   "shipshape.smoke.",
                                                       "shipshape.keep_releases"};
      bool ours = std::any_of(std::begin(kFamilies), std::end(kFamilies),
                              [&](std::string_view f) { return k.starts_with(f); });
      if (ours) entries.emplace_back(k.substr(10), scalarText(v));
    }
  }
  if (x_shipshape.is_object()) {
    for (const auto& [k, v] : x_shipshape.items()) {
      if (k == "smoke" && v.is_array()) {  // a list of {name, http | command}
        for (const auto& t : v) {
          std::string name = t.value("name", "smoke" + std::to_string(s.smoke.size() + 1));
          if (t.contains("command")) {
            entries.emplace_back("smoke." + name + ".cmd", t["command"].dump());
          } else {
            entries.emplace_back("smoke." + name, t.contains("http") ? scalarText(t["http"]) : "");
          }
        }
        continue;
      }
      flatten(v, k, entries);
    }
  }
  for (const auto& [key, value] : entries) {
    auto applied = applySetting(s, key, value);
    if (!applied) return fail(applied.error());
  }
  return s;
}

Result<ServiceDefinition> definitionFromCompose(const compose::Project& project, const std::string& service,
                                                const std::string& project_name) {
  const compose::Node* services = project.root.get("services");
  const compose::Node* svc = services ? services->get(service) : nullptr;
  if (!svc || !svc->isMap()) {
    return fail(ErrorCode::kNotFound, "no service \"" + service + "\" in " + project.files.front());
  }
  std::string dir = std::filesystem::absolute(project.files.front()).parent_path().string();
  ServiceDefinition def;
  def.name = service;
  def.source = "compose:" + std::filesystem::absolute(project.files.front()).string();
  json c = json::object();
  json host = json::object();
  json labels = json::object();
  if (const auto* n = svc->get("image")) def.image = n->text();
  if (const auto* n = svc->get("command")) c["Cmd"] = words(*n);
  if (const auto* n = svc->get("entrypoint")) c["Entrypoint"] = words(*n);
  if (const auto* n = svc->get("user")) c["User"] = n->text();
  if (const auto* n = svc->get("working_dir")) c["WorkingDir"] = n->text();
  if (const auto* n = svc->get("stop_signal")) c["StopSignal"] = n->text();
  if (const auto* n = svc->get("stop_grace_period")) c["StopTimeout"] = std::max<std::int64_t>(1, parseDurationMs(n->text()) / 1000);
  if (const auto* n = svc->get("environment")) {
    json env = json::array();
    for (const auto& [k, v] : keyValues(*n)) env.push_back(k + "=" + v);
    c["Env"] = env;
  }
  if (const auto* n = svc->get("env_file")) def.warnings.push_back(compose::positionOf(*n, true) + ": env_file is not read; put the variables under environment");
  if (const auto* n = svc->get("labels")) {
    for (const auto& [k, v] : keyValues(*n)) labels[k] = v;
  }
  labels["com.docker.compose.project"] = project_name;
  labels["com.docker.compose.service"] = service;
  if (const auto* hc = svc->get("healthcheck"); hc && hc->isMap()) {
    json h = json::object();
    if (const auto* d = hc->get("disable"); d && d->truthy()) {
      h["Test"] = json::array({"NONE"});
    } else if (const auto* t = hc->get("test")) {
      if (t->isScalar()) {
        h["Test"] = json::array({"CMD-SHELL", t->text()});
      } else {
        h["Test"] = words(*t);
      }
    }
    if (auto v = nanos(hc->get("interval"))) h["Interval"] = v;
    if (auto v = nanos(hc->get("timeout"))) h["Timeout"] = v;
    if (auto v = nanos(hc->get("start_period"))) h["StartPeriod"] = v;
    if (const auto* r = hc->get("retries")) h["Retries"] = std::atoi(r->text().c_str());
    c["Healthcheck"] = h;
  }
  // Volumes: named volumes are the project's (<project>_<name>) unless declared external or named.
  const compose::Node* top_volumes = project.root.get("volumes");
  auto volumeName = [&](const std::string& short_name) {
    const compose::Node* decl = top_volumes ? top_volumes->get(short_name) : nullptr;
    if (decl && decl->isMap()) {
      if (const auto* nm = decl->get("name")) return nm->text();
      if (const auto* ext = decl->get("external"); ext && ext->truthy()) return short_name;
    }
    return project_name + "_" + short_name;
  };
  if (const auto* vols = svc->get("volumes"); vols && vols->isSeq()) {
    json binds = json::array();
    json mounts = json::array();
    for (const auto& v : vols->seq) {
      std::string source, target;
      bool read_only = false;
      if (v.isScalar()) {
        std::string spec = v.text();
        auto first = spec.find(':');
        if (first == std::string::npos) {
          def.warnings.push_back(compose::positionOf(v) + ": anonymous volume " + spec +
                                 " is not shared with the candidate; use a named volume");
          continue;
        }
        source = spec.substr(0, first);
        std::string rest = spec.substr(first + 1);
        auto second = rest.find(':');
        target = rest.substr(0, second);
        if (second != std::string::npos) read_only = rest.substr(second + 1).find("ro") != std::string::npos;
      } else if (v.isMap()) {
        if (const auto* s = v.get("source")) source = s->text();
        if (const auto* t = v.get("target")) target = t->text();
        if (const auto* r = v.get("read_only")) read_only = r->truthy();
      }
      if (target.empty()) return fail(at(v, "volume without a target"));
      bool path = source.starts_with("/") || source.starts_with(".") || source.starts_with("~");
      if (path) {
        std::filesystem::path p = source.starts_with(".") ? std::filesystem::path(dir) / source : std::filesystem::path(source);
        binds.push_back(p.lexically_normal().string() + ":" + target + (read_only ? ":ro" : ""));
      } else if (!source.empty()) {
        mounts.push_back({{"Type", "volume"}, {"Source", volumeName(source)}, {"Target", target}, {"ReadOnly", read_only}});
      }
    }
    if (!binds.empty()) host["Binds"] = binds;
    if (!mounts.empty()) host["Mounts"] = mounts;
  }
  if (const auto* n = svc->get("read_only")) host["ReadonlyRootfs"] = n->truthy();
  if (const auto* n = svc->get("privileged")) host["Privileged"] = n->truthy();
  if (const auto* n = svc->get("init")) host["Init"] = n->truthy();
  if (const auto* n = svc->get("cap_add")) host["CapAdd"] = words(*n);
  if (const auto* n = svc->get("cap_drop")) host["CapDrop"] = words(*n);
  if (const auto* n = svc->get("security_opt")) host["SecurityOpt"] = words(*n);
  if (const auto* n = svc->get("tmpfs")) {
    json t = json::object();
    for (const auto& p : words(*n)) t[p] = "";
    host["Tmpfs"] = t;
  }
  std::int64_t memory = 0, nano_cpus = 0;
  if (const auto* n = svc->get("mem_limit")) memory = parseBytes(n->text());
  if (const auto* n = svc->get("cpus")) nano_cpus = parseNanoCpus(n->text());
  if (const auto* d = svc->get("deploy")) {
    if (const auto* r = d->get("resources")) {
      if (const auto* l = r->get("limits")) {
        if (const auto* m = l->get("memory")) memory = parseBytes(m->text());
        if (const auto* cp = l->get("cpus")) nano_cpus = parseNanoCpus(cp->text());
      }
    }
  }
  if (memory > 0) host["Memory"] = memory;
  if (nano_cpus > 0) host["NanoCpus"] = nano_cpus;
  if (const auto* n = svc->get("pids_limit")) host["PidsLimit"] = std::atoll(n->text().c_str());
  if (const auto* n = svc->get("restart")) {
    std::string r = n->text();
    std::string name = r.substr(0, r.find(':'));
    json policy = {{"Name", name == "no" ? "" : name}};
    if (auto colon = r.find(':'); colon != std::string::npos) policy["MaximumRetryCount"] = std::atoi(r.c_str() + colon + 1);
    host["RestartPolicy"] = policy;
  }
  if (const auto* n = svc->get("logging"); n && n->isMap()) {
    json lc = {{"Type", n->get("driver") ? n->get("driver")->text() : "json-file"}, {"Config", json::object()}};
    if (const auto* o = n->get("options"); o && o->isMap()) {
      for (const auto& [k, v] : o->map) lc["Config"][k] = v.text();
    }
    host["LogConfig"] = lc;
  }
  if (svc->get("ports")) {
    def.warnings.push_back(compose::positionOf(*svc->get("ports"), true) +
                           ": published ports are not given to the candidate; clients reach it through the proxy");
  }
  if (const auto* n = svc->get("network_mode")) {
    host["NetworkMode"] = n->text();
    def.networks.push_back(n->text());
  } else if (const auto* nets = svc->get("networks")) {
    auto add = [&](const std::string& short_name) {
      const compose::Node* top = project.root.get("networks");
      const compose::Node* decl = top ? top->get(short_name) : nullptr;
      std::string full = project_name + "_" + short_name;
      if (decl && decl->isMap()) {
        if (const auto* nm = decl->get("name")) full = nm->text();
        else if (const auto* ext = decl->get("external"); ext && ext->truthy()) full = short_name;
      }
      def.networks.push_back(full);
    };
    if (nets->isSeq()) {
      for (const auto& net : nets->seq) add(net.text());
    } else if (nets->isMap()) {
      for (const auto& [k, v] : nets->map) add(k);
    }
  }
  if (def.networks.empty()) def.networks.push_back(project_name + "_default");
  if (!host.contains("NetworkMode")) host["NetworkMode"] = def.networks.front();
  c["Labels"] = labels;
  c["HostConfig"] = host;
  def.create = c;

  json x = json::object();
  if (const auto* n = svc->get("x-shipshape")) x = nodeToJson(*n);
  auto settings = readSettings(labels, x);
  if (!settings) return fail(settings.error().wrap("service " + service + " (" + compose::positionOf(*svc, true) + ")"));
  def.settings = std::move(*settings);
  return def;
}

Result<ServiceDefinition> definitionFromInspect(const std::string& inspect_json, const std::string& image_json,
                                                const std::string& service_name) {
  json inspect = json::parse(inspect_json, nullptr, false);
  if (!inspect.is_object() || !inspect.contains("Config")) {
    return fail(ErrorCode::kProtocol, "unexpected container inspect reply");
  }
  ServiceDefinition def;
  std::string container = inspect.value("Name", "");
  if (container.starts_with("/")) container.erase(0, 1);
  def.name = service_name.empty() ? container : service_name;
  def.source = "adopted:" + container;
  json c = inspect["Config"];
  def.image = c.value("Image", "");
  // The container's own identity is not configuration: the candidate gets its own.
  for (const char* k : {"Hostname", "Domainname", "Image", "AttachStdin", "AttachStdout", "AttachStderr", "OpenStdin",
                        "StdinOnce"}) {
    c.erase(k);
  }
  json image = json::parse(image_json, nullptr, false);
  json from_image = image.is_object() ? image.value("Config", json::object()) : json::object();
  if (from_image.is_null()) from_image = json::object();
  // Whatever equals the image's value came from the image: leave it to the new image.
  for (const char* k : {"Cmd", "Entrypoint", "WorkingDir", "User", "Healthcheck", "ExposedPorts", "Volumes",
                        "StopSignal", "Shell", "OnBuild"}) {
    if (c.contains(k) && from_image.contains(k) && c[k] == from_image[k]) c.erase(k);
  }
  if (c.contains("Env") && c["Env"].is_array()) {
    json own = json::array();
    auto image_env = from_image.value("Env", json::array());
    for (const auto& e : c["Env"]) {
      if (std::find(image_env.begin(), image_env.end(), e) == image_env.end()) own.push_back(e);
    }
    c["Env"] = own;
  }
  if (c.contains("Labels") && c["Labels"].is_object() && from_image.contains("Labels") && from_image["Labels"].is_object()) {
    for (const auto& [k, v] : from_image["Labels"].items()) {
      if (c["Labels"].contains(k) && c["Labels"][k] == v) c["Labels"].erase(k);
    }
  }
  json host = inspect.value("HostConfig", json::object());
  if (host.contains("PortBindings") && !host["PortBindings"].empty()) {
    def.warnings.push_back("published ports " + host["PortBindings"].dump() +
                           " are not given to the candidate; clients reach it through the proxy");
  }
  host.erase("PortBindings");
  host.erase("ContainerIDFile");
  // Mounts carried over: named volumes and binds (HostConfig.Binds/Mounts). Anonymous ones cannot be shared.
  for (const auto& m : inspect.value("Mounts", json::array())) {
    if (m.value("Type", "") == "volume" && m.value("Name", "").size() == 64) {
      bool declared = false;
      for (const auto& b : host.value("Binds", json::array())) {
        if (b.get<std::string>().starts_with(m.value("Name", "") + ":")) declared = true;
      }
      if (!declared) {
        def.warnings.push_back("anonymous volume at " + m.value("Destination", "") +
                               " is not shared with the candidate; migrate it to a named volume first");
      }
    }
  }
  c["HostConfig"] = host;
  std::string mode = host.value("NetworkMode", "default");
  auto nets = inspect.value("NetworkSettings", json::object()).value("Networks", json::object());
  if (mode != "default" && mode != "bridge" && !mode.starts_with("container:") && mode != "host" && mode != "none") {
    def.networks.push_back(mode);
  } else if (mode == "default" || mode == "bridge") {
    def.networks.push_back("bridge");
  }
  for (const auto& [name, _] : nets.items()) {
    if (std::find(def.networks.begin(), def.networks.end(), name) == def.networks.end()) def.networks.push_back(name);
  }
  def.create = c;
  auto settings = readSettings(c.value("Labels", json::object()), json::object());
  if (!settings) return fail(settings.error().wrap("container " + container));
  def.settings = std::move(*settings);
  if (def.settings.port == 0) {
    auto exposed = inspect["Config"].value("ExposedPorts", json::object());
    if (exposed.size() == 1) def.settings.port = std::atoi(exposed.begin().key().c_str());
  }
  return def;
}

json candidateBody(const ServiceDefinition& def, const std::string& image_id, std::int64_t release_id) {
  json body = def.create;
  body["Image"] = image_id;
  body["Labels"]["shipshape.service"] = def.name;
  body["Labels"]["shipshape.release"] = std::to_string(release_id);
  if (body.contains("HostConfig")) body["HostConfig"].erase("PortBindings");
  return body;
}

std::string configHash(const json& create) {
  json copy = create;
  copy.erase("Image");
  if (copy.contains("Labels")) copy["Labels"].erase("shipshape.release");
  std::string text = copy.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {
json settingsToJson(const DeploySettings& s) {
  json smoke = json::array();
  for (const auto& t : s.smoke) {
    smoke.push_back({{"name", t.name}, {"method", t.method}, {"path", t.path}, {"expect_status", t.expect_status},
                     {"command", t.command}});
  }
  return {{"listen", s.listen}, {"port", s.port}, {"health_path", s.health_path}, {"health_status", s.health_status},
          {"probe_count", s.probe_count}, {"probe_interval_ms", s.probe_interval_ms},
          {"gate_timeout_ms", s.gate_timeout_ms}, {"bake_ms", s.bake_ms}, {"max_5xx_ratio", s.max_5xx_ratio},
          {"slow_ms", s.slow_ms}, {"max_slow_ratio", s.max_slow_ratio}, {"min_requests", s.min_requests},
          {"health_failures", s.health_failures}, {"drain_ms", s.drain_ms}, {"keep_releases", s.keep_releases},
          {"smoke", smoke}};
}

DeploySettings settingsFromJson(const json& j) {
  DeploySettings s;
  s.listen = j.value("listen", s.listen);
  s.port = j.value("port", s.port);
  s.health_path = j.value("health_path", s.health_path);
  s.health_status = j.value("health_status", s.health_status);
  s.probe_count = j.value("probe_count", s.probe_count);
  s.probe_interval_ms = j.value("probe_interval_ms", s.probe_interval_ms);
  s.gate_timeout_ms = j.value("gate_timeout_ms", s.gate_timeout_ms);
  s.bake_ms = j.value("bake_ms", s.bake_ms);
  s.max_5xx_ratio = j.value("max_5xx_ratio", s.max_5xx_ratio);
  s.slow_ms = j.value("slow_ms", s.slow_ms);
  s.max_slow_ratio = j.value("max_slow_ratio", s.max_slow_ratio);
  s.min_requests = j.value("min_requests", s.min_requests);
  s.health_failures = j.value("health_failures", s.health_failures);
  s.drain_ms = j.value("drain_ms", s.drain_ms);
  s.keep_releases = j.value("keep_releases", s.keep_releases);
  for (const auto& t : j.value("smoke", json::array())) {
    s.smoke.push_back({t.value("name", ""), t.value("method", "GET"), t.value("path", ""), t.value("expect_status", 200),
                       t.value("command", std::vector<std::string>{})});
  }
  return s;
}
}  // namespace

store::ServiceRecord toRecord(const ServiceDefinition& def) {
  json d = {{"create", def.create}, {"networks", def.networks}, {"image", def.image},
            {"settings", settingsToJson(def.settings)}};
  return store::ServiceRecord{def.name, def.source, def.settings.listen, def.settings.port,
                              def.settings.health_path, d.dump(), nowMs()};
}

Result<ServiceDefinition> fromRecord(const store::ServiceRecord& record) {
  json d = json::parse(record.definition_json, nullptr, false);
  if (!d.is_object()) return fail(ErrorCode::kProtocol, "service " + record.name + ": unreadable definition in the state store");
  ServiceDefinition def;
  def.name = record.name;
  def.source = record.source;
  def.image = d.value("image", "");
  def.create = d.value("create", json::object());
  def.networks = d.value("networks", std::vector<std::string>{});
  def.settings = settingsFromJson(d.value("settings", json::object()));
  return def;
}

}  // namespace shipshape::deploy
