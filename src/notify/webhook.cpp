#include "notify/webhook.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/format.h"
#include "common/log.h"

namespace shipshape::notify {
namespace {

std::string hostOf(const std::string& url) {
  auto scheme = url.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  auto end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // no userinfo in logs
  return host;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

std::string thisHost() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

}  // namespace

Result<void> checkWebhookUrl(const std::string& url) {
  bool scheme = url.starts_with("http://") || url.starts_with("https://");
  if (!scheme || hostOf(url).empty()) {
    return fail(ErrorCode::kInvalidArgument, "the webhook must be an http:// or https:// URL with a host");
  }
  return {};
}

std::string alertBody(const store::Incident& i, bool resolved, const std::string& host_name, std::uint64_t suppressed) {
  std::string text;
  if (resolved) {
    text = "[resolved] " + i.kind + " on " + i.subject + " (" + host_name + ") after " +
           formatDurationMs(i.downtimeMs().value_or(0)) + ": " + i.result;
  } else {
    text = "[incident #" + std::to_string(i.id) + "] " + i.kind + " on " + i.subject + " (" + host_name + "): " +
           i.situation;
  }
  if (suppressed > 0) text += " (" + std::to_string(suppressed) + " more alerts were rate-limited)";
  nlohmann::json body = {
      {"text", text},
      {"event", resolved ? "incident.resolved" : "incident.opened"},
      {"host", host_name},
      {"incident",
       {{"id", i.id},
        {"kind", i.kind},
        {"subject", i.subject},
        {"subject_id", i.subject_id},
        {"situation", i.situation},
        {"opened_at", isoTimeMs(i.started_at_ms)},
        {"detected_at", isoTimeMs(i.detected_at_ms)},
        {"resolved_at", i.resolved_at_ms ? nlohmann::json(isoTimeMs(*i.resolved_at_ms)) : nlohmann::json(nullptr)},
        {"time_to_detect_ms", i.timeToDetectMs()},
        {"downtime_ms", i.downtimeMs() ? nlohmann::json(*i.downtimeMs()) : nlohmann::json(nullptr)},
        {"result", i.result}}},
      {"suppressed", suppressed}};
  return body.dump();
}

WebhookAlerter::WebhookAlerter(WebhookOptions options) : options_(std::move(options)) {
  if (options_.host_name.empty()) options_.host_name = thisHost();
  url_host_ = hostOf(options_.url);
  thread_ = std::thread([this] { run(); });
}

WebhookAlerter::~WebhookAlerter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::size_t WebhookAlerter::queued() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t WebhookAlerter::rememberedKeys() {
  std::lock_guard lock(mu_);
  return last_sent_.size();
}

bool WebhookAlerter::admit(const std::string& key, std::int64_t now) {
  // Forget what the window no longer covers; past the cap, forget the oldest (a flood of distinct subjects).
  std::erase_if(last_sent_, [&](const auto& kv) { return now - kv.second >= options_.dedupe_window.count(); });
  while (last_sent_.size() >= options_.max_dedupe_keys) {
    auto oldest = std::min_element(last_sent_.begin(), last_sent_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    last_sent_.erase(oldest);
  }
  if (auto it = last_sent_.find(key); it != last_sent_.end() && now - it->second < options_.dedupe_window.count()) {
    ++counters_.deduplicated;
    return false;
  }
  while (!sent_times_.empty() && now - sent_times_.front() >= 60000) sent_times_.pop_front();
  if (static_cast<int>(sent_times_.size()) >= options_.max_per_minute) {
    ++counters_.rate_limited;
    ++suppressed_since_last_;
    return false;
  }
  sent_times_.push_back(now);
  last_sent_[key] = now;
  return true;
}

void WebhookAlerter::incident(const store::Incident& incident, bool resolved) {
  std::string key = incident.kind + "\n" + incident.subject + "\n" + (resolved ? "resolved" : "opened");
  {
    std::lock_guard lock(mu_);
    if (!admit(key, nowMs())) return;
    if (queue_.size() >= options_.max_queue) {
      queue_.pop_front();  // the receiver is not keeping up: the newest news matters more
      ++counters_.dropped;
    }
    queue_.push_back(alertBody(incident, resolved, options_.host_name, suppressed_since_last_));
    suppressed_since_last_ = 0;
  }
  cv_.notify_one();
}

bool WebhookAlerter::post(void* handle, void* header_list, const std::string& body, long timeout_ms) {
  CURL* curl = static_cast<CURL*>(handle);
  auto* headers = static_cast<curl_slist*>(header_list);
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  // Only the web: no file://, gopher://, smtp:// ... from a URL that came from a config file or environment.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, std::max(1L, timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  bool ok = rc == CURLE_OK && status >= 200 && status < 300;
  if (!ok) {
    SHIPSHAPE_LOG(notify, warn, "webhook at {}: {}", url_host_,
                  rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : "HTTP " + std::to_string(status));
  }
  return ok;
}

void WebhookAlerter::run() {
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  const long timeout_ms = static_cast<long>(options_.timeout.count());
  std::optional<std::chrono::steady_clock::time_point> shutdown_deadline;
  while (true) {
    std::string body;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;
      if (stopping_ && !shutdown_deadline) {
        shutdown_deadline = std::chrono::steady_clock::now() + options_.shutdown_budget;
      }
      if (shutdown_deadline && std::chrono::steady_clock::now() >= *shutdown_deadline) {
        SHIPSHAPE_LOG(notify, warn, "webhook at {}: {} alert(s) not sent within the shutdown budget", url_host_,
                      queue_.size());
        counters_.dropped += queue_.size();
        queue_.clear();
        break;
      }
      body = std::move(queue_.front());
      queue_.pop_front();
    }
    bool ok = false;
    if (shutdown_deadline) {
      // Shutting down: one try each, never past the budget.
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*shutdown_deadline - std::chrono::steady_clock::now());
      ok = post(curl, headers, body, std::min<long>(timeout_ms, static_cast<long>(left.count())));
    } else {
      ok = post(curl, headers, body, timeout_ms);
      if (!ok) {
        // One retry after a second, unless shutdown begins meanwhile.
        std::unique_lock lock(mu_);
        if (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
          lock.unlock();
          ok = post(curl, headers, body, timeout_ms);
        }
      }
    }
    ++(ok ? counters_.sent : counters_.failed);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

}  // namespace shipshape::notify
