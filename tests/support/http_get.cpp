#include "support/http_get.h"

#include <thread>

#include <curl/curl.h>

namespace shipshape::testing {
namespace {

size_t append(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct UploadState {
  const std::string* body;
  size_t offset = 0;
};

size_t upload(char* buffer, size_t size, size_t count, void* user) {
  auto* s = static_cast<UploadState*>(user);
  size_t n = std::min(size * count, s->body->size() - s->offset);
  std::copy_n(s->body->data() + s->offset, n, buffer);
  s->offset += n;
  return n;
}

}  // namespace

Result<HttpResult> httpRequest(const std::string& method, const std::string& url, const std::string& body,
                               std::chrono::milliseconds timeout, const std::vector<std::string>& headers) {
  CURL* curl = curl_easy_init();
  curl_slist* header_list = nullptr;
  for (const auto& h : headers) header_list = curl_slist_append(header_list, h.c_str());
  if (header_list) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  HttpResult result;
  UploadState state{&body};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(header_list);
  if (rc != CURLE_OK) return fail(ErrorCode::kUnreachable, method + " " + url + ": " + curl_easy_strerror(rc));
  result.status = static_cast<int>(status);
  return result;
}

Result<HttpResult> httpGetWhenUp(const std::string& url, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    auto r = httpRequest("GET", url, "", std::chrono::seconds(2));
    if (r || std::chrono::steady_clock::now() > until) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace shipshape::testing
