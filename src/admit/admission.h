// The authorization plugin's judgement: every AuthZReq the engine sends comes here. Container creates (and
// execs, when configured) are judged with the live audit's container rules against the request merged with
// the image's config; everything else is allowed at once. Denials and warnings become incidents; every
// verdict is counted for /metrics. Thread-safe: the plugin server calls it from its I/O thread (fast path)
// and its workers (judging, which may ask the engine for the image).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "admit/policy.h"
#include "docker/endpoint.h"
#include "rules/live_checks.h"

namespace shipshape::docker {
class Client;
}
namespace shipshape::store {
class IncidentStore;
}

namespace shipshape::admit {

struct AdmissionOptions {
  AdmitConfig config;
  docker::Endpoint engine;                // to read images and the daemon's info
  store::IncidentStore* store = nullptr;  // denials and warnings; may be null
  std::string daemon_json = "/etc/docker/daemon.json";
};

class Admission {
 public:
  explicit Admission(AdmissionOptions options);
  ~Admission();  // stops and joins the image-event thread, if started

  // Follows the engine's image events on a thread of its own. While that stream is up, image configs are
  // cached by reference and the whole cache is dropped on every image event (pull, load, tag, untag, delete,
  // import): a create then costs no engine round trip. While it is down, every judgement asks the engine.
  void startImageCache();
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // The answer to an AuthZReq that is not judged (or cannot be read), from one parse; nullopt when it must be
  // judged. The server calls this on its I/O thread and runs authzRequest() for the rest on a worker, because
  // judging asks the engine for the image and the engine asks us about that request too.
  std::optional<std::string> answerAtOnce(std::string_view authz_request_json);
  // The answer to /AuthZPlugin.AuthZReq, judged or not.
  std::string authzRequest(std::string_view authz_request_json);

  // Prometheus text: verdicts, violations by rule, judging time.
  std::string renderMetrics() const;
  std::uint64_t count(Verdict::Kind kind) const;
  Mode mode() const { return options_.config.mode; }

 private:
  struct Judged {
    Verdict verdict;
    std::string subject;
  };
  Judged judgeCreate(const std::string& body, const std::string& name);
  Judged judgeExec(const std::string& body, const std::string& container);
  void record(const Judged& judged, const std::string& image);
  rules::LiveSnapshot context();
  // The engine's inspect answer for `reference`, from the cache when it is live.
  Result<std::string> imageJson(const std::string& reference);
  void invalidateImages(bool live);
  std::unique_ptr<docker::Client> takeClient();
  void giveBack(std::unique_ptr<docker::Client> client);

  AdmissionOptions options_;

  mutable std::mutex mu_;  // guards clients_, context_, violations_, latency buckets
  std::vector<std::unique_ptr<docker::Client>> clients_;
  std::optional<rules::LiveSnapshot> context_;
  std::map<std::string, std::uint64_t> violations_;
  std::vector<std::uint64_t> latency_buckets_;
  double latency_sum_s_ = 0;
  bool cache_live_ = false;             // the event stream is connected
  std::uint64_t cache_generation_ = 0;  // bumped by every invalidation: a lookup that raced one is not kept
  std::map<std::string, std::string> image_cache_;

  std::atomic<bool> stop_{false};
  std::thread events_;  // owned; joined in the destructor
  std::atomic<std::uint64_t> cache_hits_{0}, cache_misses_{0}, image_events_{0};

  std::atomic<std::uint64_t> allowed_{0}, denied_{0}, warned_{0}, exempt_{0}, passed_{0}, errors_{0};
};

}  // namespace shipshape::admit
