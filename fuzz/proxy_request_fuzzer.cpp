// Any bytes as a client's request header, through what the proxy does to it before an upstream sees it:
// Beast's parser (with the proxy's header limit), then isUpgrade/isIdempotent and the rewrite, then the
// serializer that writes it to the upstream.
#include <cstddef>
#include <cstdint>

#include <sstream>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "proxy/request_rewrite.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  using namespace shipshape::proxy::detail;
  http::request_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(64 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  auto req = parser.release();
  bool upgrade = isUpgrade(req);
  (void)isIdempotent(req.method());
  rewriteForUpstream(req, upgrade, "10.0.0.1");
  std::ostringstream out;
  out << req.base();
  return 0;
}
