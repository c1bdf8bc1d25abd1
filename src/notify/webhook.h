// Alerts to a webhook: a JSON body with a Slack-compatible `text` field plus the incident's fields, POSTed
// from a background thread so that a slow receiver never delays healing.
//
// De-duplicated: the same key (incident kind + subject + opened/resolved) is sent at most once per
// `dedupe_window`. Rate-limited: at most `max_per_minute` alerts; the rest are counted and reported in the
// next alert that goes out. A failed POST is retried once after a second. The URL is never logged (Slack
// webhook URLs are credentials); logs name only its host.
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

#include "store/incident.h"

namespace shipshape::notify {

struct WebhookOptions {
  std::string url;
  std::chrono::milliseconds dedupe_window{std::chrono::minutes(10)};
  int max_per_minute = 10;
  std::chrono::milliseconds timeout{5000};
  std::string host_name;  // who is speaking (default: this machine's hostname)
};

struct WebhookCounters {
  std::atomic<std::uint64_t> sent{0}, failed{0}, deduplicated{0}, rate_limited{0};
};

class WebhookAlerter {
 public:
  explicit WebhookAlerter(WebhookOptions options);
  ~WebhookAlerter();  // sends what is queued (bounded by the timeout), then stops
  WebhookAlerter(const WebhookAlerter&) = delete;
  WebhookAlerter& operator=(const WebhookAlerter&) = delete;

  // Queues an alert for the incident's opening or resolution (an IncidentStore listener).
  void incident(const store::Incident& incident, bool resolved);
  const WebhookCounters& counters() const { return counters_; }

 private:
  void run();
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
