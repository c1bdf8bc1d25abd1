#include "admit/create_request.h"

#include <set>

#include <nlohmann/json.hpp>

#include "docker/parse.h"

namespace shipshape::admit {

using nlohmann::json;

namespace {

Result<json> parseBody(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "the create request's body is not a JSON object");
  }
  return j;
}

// null, "", [] or {} (json::empty() is false for any string, even "").
bool isEmpty(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  return v.is_null() || ((v.is_array() || v.is_object()) && v.empty());
}

// "KEY=value" lists: the request's entries replace the image's for the same KEY, as the engine merges them.
json mergeEnv(const json& image_env, const json& request_env) {
  json out = json::array();
  std::set<std::string> keys;
  if (request_env.is_array()) {
    for (const auto& e : request_env) {
      if (!e.is_string()) continue;
      const auto& s = e.get_ref<const std::string&>();
      keys.insert(s.substr(0, s.find('=')));
    }
  }
  if (image_env.is_array()) {
    for (const auto& e : image_env) {
      if (e.is_string() && !keys.count(e.get<std::string>().substr(0, e.get<std::string>().find('='))))
        out.push_back(e);
    }
  }
  if (request_env.is_array()) {
    for (const auto& e : request_env) {
      if (e.is_string()) out.push_back(e);
    }
  }
  return out;
}

json mergeObjects(const json& base, const json& over) {
  json out = base.is_object() ? base : json::object();
  if (over.is_object()) {
    for (const auto& [k, v] : over.items()) out[k] = v;
  }
  return out;
}

// The mounts the engine will make, in inspect's shape.
json mountsOf(const json& host_config, const json& declared_volumes) {
  json mounts = json::array();
  std::set<std::string> covered;
  auto add = [&](std::string type, std::string name, std::string source, const std::string& target, bool rw) {
    covered.insert(target);
    mounts.push_back({{"Type", std::move(type)},
                      {"Name", std::move(name)},
                      {"Source", std::move(source)},
                      {"Destination", target},
                      {"RW", rw}});
  };
  if (host_config.is_object()) {
    if (auto it = host_config.find("Binds"); it != host_config.end() && it->is_array()) {
      for (const auto& b : *it) {
        if (!b.is_string()) continue;
        // SRC:DST[:OPTIONS]; SRC is a host path (bind) or a volume name.
        const std::string spec = b.get<std::string>();
        auto first = spec.find(':');
        if (first == std::string::npos) continue;
        auto second = spec.find(':', first + 1);
        std::string src = spec.substr(0, first);
        std::string dst = spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        std::string opts = second == std::string::npos ? "" : spec.substr(second + 1);
        bool rw = true;
        for (std::size_t at = 0; at <= opts.size();) {
          auto comma = opts.find(',', at);
          if (opts.substr(at, comma == std::string::npos ? std::string::npos : comma - at) == "ro") rw = false;
          if (comma == std::string::npos) break;
          at = comma + 1;
        }
        if (!src.empty() && src[0] == '/') {
          add("bind", "", src, dst, rw);
        } else {
          add("volume", src, "", dst, rw);
        }
      }
    }
    if (auto it = host_config.find("Mounts"); it != host_config.end() && it->is_array()) {
      for (const auto& m : *it) {
        if (!m.is_object()) continue;
        std::string type = m.value("Type", std::string("volume"));
        std::string source = m.value("Source", std::string());
        std::string target = m.value("Target", std::string());
        bool rw = !m.value("ReadOnly", false);
        if (type == "volume") {
          add("volume", source, "", target, rw);  // an empty Source is an anonymous volume
        } else {
          add(type, "", source, target, rw);
        }
      }
    }
    if (auto it = host_config.find("Tmpfs"); it != host_config.end() && it->is_object()) {
      for (const auto& [target, options] : it->items()) add("tmpfs", "", "", target, true);
    }
  }
  if (declared_volumes.is_object()) {
    for (const auto& [target, unused] : declared_volumes.items()) {
      if (!covered.count(target)) add("volume", "", "", target, true);
    }
  }
  return mounts;
}

}  // namespace

Result<std::string> requestedImage(std::string_view body) {
  auto j = parseBody(body);
  if (!j) return fail(j.error());
  auto it = j->find("Image");
  if (it == j->end() || !it->is_string() || it->get<std::string>().empty()) {
    return fail(ErrorCode::kInvalidArgument, "the create request names no image");
  }
  return it->get<std::string>();
}

Result<CreateRequest> parseCreateRequest(std::string_view body, std::string_view name,
                                         const std::optional<std::string>& image_json) {
  auto parsed = parseBody(body);
  if (!parsed) return fail(parsed.error());
  json request = std::move(*parsed);
  CreateRequest out;
  json image_config = json::object();
  std::string image_id;
  if (image_json) {
    auto image = docker::parseImageInspect(*image_json);
    if (!image) return fail(image.error().wrap("image of the create request"));
    out.image = std::move(*image);
    image_id = out.image->id;
    json raw = json::parse(*image_json, nullptr, false);
    if (raw.is_object() && raw.contains("Config") && raw["Config"].is_object()) image_config = raw["Config"];
  }

  json host_config = request.contains("HostConfig") ? request["HostConfig"] : json::object();
  json config = request;
  config.erase("HostConfig");
  config.erase("NetworkingConfig");
  // The engine fills what the request leaves empty from the image.
  for (const char* key : {"User", "Healthcheck", "WorkingDir", "Cmd", "Entrypoint", "StopSignal"}) {
    if ((!config.contains(key) || isEmpty(config[key])) && image_config.contains(key)) config[key] = image_config[key];
  }
  config["Env"] = mergeEnv(image_config.value("Env", json()), config.value("Env", json()));
  config["Labels"] = mergeObjects(image_config.value("Labels", json()), config.value("Labels", json()));
  config["Volumes"] = mergeObjects(image_config.value("Volumes", json()), config.value("Volumes", json()));
  config["ExposedPorts"] =
      mergeObjects(image_config.value("ExposedPorts", json()), config.value("ExposedPorts", json()));

  json inspect = {{"Id", "(to be created)"},
                  {"Name", name.empty() ? std::string("(unnamed)") : std::string(name)},
                  {"Image", image_id},
                  {"State", {{"Status", "created"}}},
                  {"Config", config},
                  {"HostConfig", host_config.is_object() ? host_config : json::object()},
                  {"Mounts", mountsOf(host_config, config["Volumes"])}};
  auto container = docker::parseContainerInspect(inspect.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!container) return fail(container.error().wrap("create request"));
  out.container = std::move(*container);
  out.container.id.clear();
  return out;
}

}  // namespace shipshape::admit
