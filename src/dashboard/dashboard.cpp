#include "dashboard/dashboard.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "dashboard/api.h"
#include "dashboard/assets.h"
#include "report/rules_doc.h"

namespace shipshape::dashboard {
namespace {

serve::HttpReply jsonReply(std::string body, int status = 200) {
  return serve::HttpReply{.status = status, .content_type = "application/json", .body = std::move(body)};
}

serve::HttpReply errorReply(int status, const std::string& message) {
  return jsonReply(nlohmann::json{{"error", message}}.dump(), status);
}

// The stream's cursor: the number of host points sent (high half) and the incidents version sent (low half),
// each plus one so that 0 means "nothing sent yet".
std::string pollEvents(const DashboardSources& s, std::uint64_t& cursor) {
  std::uint64_t sent_points = cursor >> 32, sent_version = cursor & 0xffffffffu;
  std::uint64_t points = s.history->taken() + 1, version = (s.incidents_version() & 0x7fffffffu) + 1;
  std::string out;
  if (points != sent_points) {
    std::string latest = s.history->latestJson();
    if (!latest.empty()) out += "event: sample\ndata: " + latest + "\n\n";
  }
  if (version != sent_version) {
    out += "event: incidents\ndata: {\"version\":" + std::to_string(version - 1) + "}\n\n";
  }
  cursor = (points << 32) | version;
  return out;
}

}  // namespace

void installDashboard(serve::ServerOptions& options, const DashboardSources& sources) {
  options.login = true;
  options.pages.push_back("/");
  for (const auto& asset : assets()) {
    std::string cache = asset.url == "/" ? "no-store" : "private, max-age=300";
    options.routes[std::string(asset.url)] = [&asset, cache](const serve::HttpRequest&) {
      return serve::HttpReply{
          .content_type = std::string(asset.content_type), .body = std::string(asset.body), .cache_control = cache};
    };
  }
  DashboardSources s = sources;
  options.routes["/api/v1/status"] = [s](const serve::HttpRequest&) { return jsonReply(s.status()); };
  options.routes["/api/v1/host"] = [s](const serve::HttpRequest& r) {
    std::int64_t since = 0;
    if (auto it = r.query.find("since"); it != r.query.end()) since = std::strtoll(it->second.c_str(), nullptr, 10);
    return jsonReply(s.history->toJson(since));
  };
  options.routes["/api/v1/incidents"] = [s](const serve::HttpRequest& r) {
    auto all = s.incidents->list();
    if (!all) return errorReply(500, all.error().describe());
    return jsonReply(incidentsApi(std::move(*all), incidentQuery(r.query)));
  };
  options.routes["/api/v1/releases"] = [s](const serve::HttpRequest&) {
    if (!s.releases) return jsonReply(releasesApi({}, {}));
    auto services = s.releases->services();
    if (!services) return errorReply(500, services.error().describe());
    std::map<std::string, std::vector<store::Release>> rows;
    for (const auto& svc : *services) {
      auto list = s.releases->list(svc.name);
      if (!list) return errorReply(500, list.error().describe());
      rows[svc.name] = std::move(*list);
    }
    return jsonReply(releasesApi(*services, rows));
  };
  options.routes["/api/v1/backups"] = [s](const serve::HttpRequest&) { return jsonReply(s.slow->backupsJson()); };
  options.routes["/api/v1/findings"] = [s](const serve::HttpRequest& r) {
    if (r.query.count("refresh")) s.slow->refreshSoon();
    return jsonReply(s.slow->findingsJson());
  };
  options.routes["/api/v1/rules"] = [](const serve::HttpRequest&) { return jsonReply(report::rulesJson()); };
  options.streams["/api/v1/events"] = [s](std::uint64_t& cursor) { return pollEvents(s, cursor); };
}

}  // namespace shipshape::dashboard
