// What the proxy reads and changes in a request's header before an upstream sees it: whether it may be
// retried, whether it is an upgrade, the hop-by-hop headers removed, X-Forwarded-* added. Pure functions over
// Beast headers, internal to the proxy (relay.cpp and the request-path fuzz target include it).
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <vector>

namespace shipshape::proxy::detail {

namespace beast = boost::beast;
namespace http = beast::http;

inline bool isIdempotent(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::put:
    case http::verb::delete_: return true;
    default: return false;
  }
}

inline bool containsToken(beast::string_view list, beast::string_view token) {
  return http::token_list(list).exists(token);
}

template <class Body>
bool isUpgrade(const http::request<Body>& req) {
  return req.method() == http::verb::get && containsToken(req[http::field::connection], "upgrade") &&
         req.count(http::field::upgrade) > 0;
}

// Hop-by-hop headers are for one connection only (RFC 9110 7.6.1): the ones Connection names, and the fixed set.
template <class Fields>
void stripHopByHop(Fields& fields, bool keep_upgrade) {
  std::vector<std::string> named;
  for (auto token : http::token_list(fields[http::field::connection])) {
    std::string t(token);
    if (keep_upgrade && beast::iequals(t, "upgrade")) continue;
    named.push_back(std::move(t));
  }
  for (const auto& name : named) fields.erase(name);
  fields.erase(http::field::keep_alive);
  fields.erase(http::field::proxy_connection);
  fields.erase(http::field::te);
  fields.erase(http::field::trailer);
  if (!keep_upgrade) {
    fields.erase(http::field::upgrade);
    fields.erase(http::field::connection);
  }
}

// The request as the upstream sees it: HTTP/1.1, kept alive (unless an upgrade), without this hop's headers,
// with the client's address appended to X-Forwarded-For.
template <class Body>
void rewriteForUpstream(http::request<Body>& req, bool upgrade, const std::string& client_ip) {
  stripHopByHop(req, upgrade);
  if (!upgrade) req.keep_alive(true);
  req.version(11);
  if (!client_ip.empty()) {
    auto prior = req["X-Forwarded-For"];
    req.set("X-Forwarded-For", prior.empty() ? client_ip : std::string(prior) + ", " + client_ip);
  }
  req.set("X-Forwarded-Proto", "http");
}

inline std::string& appendView(std::string& out, beast::string_view text) {
  return out.append(text.data(), text.size());
}

// A header as bytes on the wire, the same bytes Beast's serializer writes for it, into `out` (cleared; its
// capacity kept across requests). The request path writes headers this way when the body needs no framing of
// its own (none, or a Content-Length one passed through as it is): Beast's serializer walks the header as a
// chain of buffer views, which measured as a tenth of the proxy's user time per request.
template <class Fields>
void serializeHeader(const http::header<true, Fields>& h, std::string& out) {
  out.clear();
  const char version[] = {'H', 'T',
                          'T', 'P',
                          '/', static_cast<char>('0' + h.version() / 10 % 10),
                          '.', static_cast<char>('0' + h.version() % 10)};
  appendView(out, h.method_string()).append(" ");
  appendView(out, h.target()).append(" ").append(version, 8).append("\r\n");
  for (const auto& field : h)
    appendView(appendView(out, field.name_string()).append(": "), field.value()).append("\r\n");
  out.append("\r\n");
}

template <class Fields>
void serializeHeader(const http::header<false, Fields>& h, std::string& out) {
  out.clear();
  const unsigned status = h.result_int();
  beast::string_view reason = h.reason();
  if (reason.empty()) reason = http::obsolete_reason(static_cast<http::status>(status));
  const char version[] = {'H', 'T',
                          'T', 'P',
                          '/', static_cast<char>('0' + h.version() / 10 % 10),
                          '.', static_cast<char>('0' + h.version() % 10),
                          ' '};
  out.append(version, 9);
  char code[4] = {static_cast<char>('0' + status / 100 % 10), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10), ' '};
  appendView(out.append(code, 4), reason).append("\r\n");
  for (const auto& field : h)
    appendView(appendView(out, field.name_string()).append(": "), field.value()).append("\r\n");
  out.append("\r\n");
}

}  // namespace shipshape::proxy::detail
