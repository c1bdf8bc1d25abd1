// Alerts to a webhook: a JSON body with a Slack-compatible `text` field plus the incident's fields, POSTed
// from a background thread so that a slow receiver never delays healing.
//
// De-duplicated: the same key (incident kind + subject + opened/resolved) is sent at most once per
// `dedupe_window`. Rate-limited: at most `max_per_minute` alerts; the rest are counted and reported in the
// next alert that goes out. A failed POST is retried once after a second. The URL is never logged (Slack
// webhook URLs are credentials); logs name only its host. libcurl may speak only http and https to it, also
// across redirects.
//
// Bounded whatever the receiver does: at most `max_queue` alerts wait (the oldest are dropped and counted
// when a hung receiver lets them pile up), and the de-duplication memory forgets keys older than the window
// and holds at most `max_dedupe_keys`. On destruction the queued alerts are still sent, one try each, within
// `shutdown_budget` in all; what is left then is counted as dropped and logged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "store/incident.h"

namespace shipshape::notify {

struct WebhookOptions {
  std::string url;
  std::chrono::milliseconds dedupe_window{std::chrono::minutes(10)};
  int max_per_minute = 10;
  std::chrono::milliseconds timeout{5000};
  std::string host_name;  // who is speaking (default: this machine's hostname)
  std::size_t max_queue = 256;
  std::size_t max_dedupe_keys = 4096;
  std::chrono::milliseconds shutdown_budget{3000};
};

// Whether `url` is something the alerter may POST to: http:// or https:// with a host.
Result<void> checkWebhookUrl(const std::string& url);

struct WebhookCounters {
  std::atomic<std::uint64_t> sent{0}, failed{0}, deduplicated{0}, rate_limited{0};
  std::atomic<std::uint64_t> dropped{0};  // queue full, or not sent within the shutdown budget
};

class WebhookAlerter {
 public:
  explicit WebhookAlerter(WebhookOptions options);
  ~WebhookAlerter();  // sends what is queued (within options.shutdown_budget), then stops
  WebhookAlerter(const WebhookAlerter&) = delete;
  WebhookAlerter& operator=(const WebhookAlerter&) = delete;

  // Queues an alert for the incident's opening or resolution (an IncidentStore listener).
  void incident(const store::Incident& incident, bool resolved);
  const WebhookCounters& counters() const { return counters_; }
  std::size_t queued();          // alerts waiting to be sent
  std::size_t rememberedKeys();  // the de-duplication memory's size

 private:
  void run();
  bool post(void* curl, void* headers, const std::string& body, long timeout_ms);  // CURL*, curl_slist*
  bool admit(const std::string& key, std::int64_t now_ms);  // dedupe + rate limit; caller holds mu_

  WebhookOptions options_;
  std::string url_host_;
  WebhookCounters counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                  // JSON bodies; guarded by mu_
  std::map<std::string, std::int64_t> last_sent_;  // key -> ms; guarded by mu_
  std::deque<std::int64_t> sent_times_;            // for the per-minute limit; guarded by mu_
  std::uint64_t suppressed_since_last_ = 0;        // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  std::thread thread_;
};

// The JSON body for an incident's alert (exposed for tests). `suppressed`: alerts dropped by the rate limit
// since the last one sent.
std::string alertBody(const store::Incident& incident, bool resolved, const std::string& host_name,
                      std::uint64_t suppressed);

}  // namespace shipshape::notify
