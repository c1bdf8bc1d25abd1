#include "docker/http_transport.h"

#include <cctype>
#include <cstring>
#include <mutex>

#include <curl/curl.h>

#include "common/log.h"

namespace shipshape::docker {
namespace {

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

// Per-request state the curl callbacks write into.
struct HttpTransport::Transfer {
  HttpResponse response;
  const HeadSink* on_head = nullptr;
  const ChunkSink* on_chunk = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  bool head_delivered = false;
  bool stopped_by_sink = false;
  std::size_t body_offset = 0;  // upload position
  const std::string* upload = nullptr;
  const BodySource* upload_source = nullptr;
  bool aborted_by_source = false;
};

namespace {

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue, say) starts a fresh set of headers.
    t->response.headers.clear();
    auto space = line.find(' ');
    t->response.status = space == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
  } else if (trim(line).empty() && t->response.status >= 200 && t->on_chunk != nullptr &&
             t->response.status < 400 && !t->head_delivered) {
    // End of the final header block: streams learn they are connected before any body arrives
    // (an idle /events stream may send nothing for minutes).
    t->head_delivered = true;
    if (t->on_head && *t->on_head && !(*t->on_head)(t->response)) {
      t->stopped_by_sink = true;
      return 0;
    }
  }
  return size * count;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  std::string_view chunk(data, size * count);
  if (t->on_chunk == nullptr || t->response.status >= 400) {
    t->response.body.append(chunk);
    return chunk.size();
  }
  if (!t->head_delivered) {
    t->head_delivered = true;
    if (t->on_head && *t->on_head && !(*t->on_head)(t->response)) {
      t->stopped_by_sink = true;
      return 0;
    }
  }
  if (!(*t->on_chunk)(chunk)) {
    t->stopped_by_sink = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  return chunk.size();
}

size_t onUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  if (t->upload_source != nullptr) {
    size_t n = (*t->upload_source)(buffer, size * count);
    if (n == kUploadAbort) {
      t->aborted_by_source = true;
      return CURL_READFUNC_ABORT;
    }
    return n;
  }
  size_t n = std::min(size * count, t->upload->size() - t->body_offset);
  std::memcpy(buffer, t->upload->data() + t->body_offset, n);
  t->body_offset += n;
  return n;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  return (t->cancel && t->cancel->load()) ? 1 : 0;
}

}  // namespace

HttpTransport::HttpTransport(Endpoint endpoint, TransportOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {
  globalInit();
  curl_ = curl_easy_init();
}

HttpTransport::~HttpTransport() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  Transfer transfer;
  return perform(request, transfer);
}

Result<HttpResponse> HttpTransport::stream(const HttpRequest& request, const HeadSink& on_head,
                                           const ChunkSink& on_chunk, const std::atomic<bool>* cancel) {
  Transfer transfer;
  transfer.on_head = &on_head;
  transfer.on_chunk = &on_chunk;
  transfer.cancel = cancel;
  auto result = perform(request, transfer);
  // A body-less success (204, or an empty stream) still owes the caller its head.
  if (result && !transfer.head_delivered && result->status < 400 && on_head) on_head(*result);
  return result;
}

Result<HttpResponse> HttpTransport::perform(const HttpRequest& request, Transfer& transfer) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return fail(ErrorCode::kInternal, "curl_easy_init failed");
  // Reset clears options but keeps the connection cache, which is what gives us connection reuse.
  curl_easy_reset(curl);

  std::string url = endpoint_.urlBase() + request.target;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (endpoint_.kind == Endpoint::Kind::kUnix) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, endpoint_.socket_path.c_str());
  }
  if (endpoint_.tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, endpoint_.tls_verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, endpoint_.tls_verify ? 2L : 0L);
    if (!endpoint_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
    if (!endpoint_.cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, endpoint_.cert_file.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, endpoint_.key_file.c_str());
    }
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  auto timeout = request.timeout.count() == 0 ? options_.request_timeout : request.timeout;
  if (timeout.count() > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));

  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  // Bulk streams (a volume's archive, an image) arrive in chunks of this size: curl's 16 KiB default means
  // 30,000 callbacks per 500 MB.
  if (transfer.on_chunk != nullptr) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);

  curl_slist* headers = nullptr;
  // The daemon never sends 100 Continue; without this curl would wait a second before large uploads.
  headers = curl_slist_append(headers, "Expect:");
  if (request.body_source) headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    transfer.upload = &request.body;
    if (request.body_source) transfer.upload_source = &request.body_source;
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, onUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    // Large reads: curl's default 64 KiB upload buffer halves the rate of a multi-GiB restore.
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
    if (!request.body_source) {
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long new_connections = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
  connections_opened_ += new_connections;

  const std::string where = endpoint_.display();
  const std::string what = request.method + " " + request.target;
  if (rc == CURLE_OK) return std::move(transfer.response);
  if (transfer.stopped_by_sink || transfer.aborted_by_source || rc == CURLE_ABORTED_BY_CALLBACK) {
    return fail(ErrorCode::kCancelled, what + ": stopped by the caller");
  }
  long os_errno = 0;
  curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST: {
      std::string reason = os_errno != 0 ? std::string(std::strerror(static_cast<int>(os_errno))) + " (errno " +
                                               std::to_string(os_errno) + ")"
                                         : curl_easy_strerror(rc);
      return fail(ErrorCode::kUnreachable, "cannot connect to the Docker daemon at " + where + ": " + reason);
    }
    case CURLE_OPERATION_TIMEDOUT:
      if (transfer.response.status == 0) {
        return fail(ErrorCode::kTimeout, "the Docker daemon at " + where + " did not answer " + what + " within " +
                                             std::to_string(timeout.count()) + " ms");
      }
      return fail(ErrorCode::kTimeout, what + " on " + where + ": response not complete within " +
                                           std::to_string(timeout.count()) + " ms");
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
      return fail(ErrorCode::kUnreachable,
                  "connection to the Docker daemon at " + where + " lost during " + what + ": " + curl_easy_strerror(rc));
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return fail(ErrorCode::kUnreachable, "TLS to the Docker daemon at " + where + " failed: " + curl_easy_strerror(rc));
    default:
      return fail(ErrorCode::kProtocol, what + " on " + where + ": " + curl_easy_strerror(rc));
  }
}

}  // namespace shipshape::docker
