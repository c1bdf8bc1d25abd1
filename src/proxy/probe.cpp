#include "proxy/probe.h"

#include <curl/curl.h>

#include "common/format.h"

namespace shipshape::proxy {
namespace {

size_t keepStart(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  std::size_t n = size * count;
  if (body->size() < 512) body->append(data, std::min<std::size_t>(n, 512 - body->size()));
  return n;
}

}  // namespace

ProbeResult httpProbe(const std::string& method, const std::string& host, unsigned short port,
                      const std::string& path, std::chrono::milliseconds timeout) {
  ProbeResult result;
  auto started = monotonicNs();
  bool v6 = host.find(':') != std::string::npos;
  std::string url = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) +
                    (path.empty() || path[0] != '/' ? "/" : "") + path;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keepStart);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body_start);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "shipshape-probe");
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
  } else {
    result.error = curl_easy_strerror(rc);
  }
  curl_easy_cleanup(curl);
  result.duration_ms = (monotonicNs() - started) / 1000000;
  return result;
}

}  // namespace shipshape::proxy
