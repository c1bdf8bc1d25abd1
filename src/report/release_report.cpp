#include "report/release_report.h"

#include <nlohmann/json.hpp>

#include "common/format.h"
#include "store/release_store.h"

namespace shipshape::report {

using nlohmann::json;

std::string releasesJson(const std::vector<store::Release>& releases) {
  auto optionalTime = [](const std::optional<std::int64_t>& ms) -> json {
    return ms ? json(isoTimeMs(*ms)) : json(nullptr);
  };
  auto optionalNumber = [](const std::optional<std::int64_t>& v) -> json { return v ? json(*v) : json(nullptr); };
  json out = json::array();
  for (const auto& r : releases) {
    json gate = json::parse(store::gateToJson(r.gate), nullptr, false);
    out.push_back({{"id", r.id},
                   {"service", r.service},
                   {"image", r.image},
                   {"digest", r.digest},
                   {"image_id", r.image_id},
                   {"config_hash", r.config_hash},
                   {"container", r.container_name},
                   {"container_id", r.container_id},
                   {"outcome", r.outcome},
                   {"reason", r.reason},
                   {"actor", r.actor},
                   {"rollback_of", r.rollback_of ? json(r.rollback_of) : json(nullptr)},
                   {"started_at", isoTimeMs(r.started_at_ms)},
                   {"started_at_ms", r.started_at_ms},
                   {"switched_at", optionalTime(r.switched_at_ms)},
                   {"finished_at", optionalTime(r.finished_at_ms)},
                   {"time_to_detect_ms", optionalNumber(r.detect_ms)},
                   {"time_to_rollback_ms", optionalNumber(r.rollback_ms)},
                   {"gate", gate.is_discarded() ? json::array() : gate}});
  }
  return out.dump(2);
}

}  // namespace shipshape::report
