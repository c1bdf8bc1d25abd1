// The headers the proxy writes itself must be the bytes Beast's serializer would have written.
#include "proxy/request_rewrite.h"

#include <gtest/gtest.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <sstream>

namespace shipshape::proxy::detail {
namespace {

// Beast's own wire form of a header-only message: its serializer, run to completion into a string.
template <bool isRequest>
std::string beastBytes(http::message<isRequest, http::empty_body>& m) {
  http::serializer<isRequest, http::empty_body> writer{m};
  std::string out;
  beast::error_code ec;
  while (!writer.is_done()) {
    writer.next(ec, [&](beast::error_code&, const auto& buffers) {
      std::size_t n = 0;
      for (auto b : beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      writer.consume(n);
    });
    if (ec) break;
  }
  return out;
}

TEST(SerializeHeader, RequestIsWhatBeastWrites) {
  http::request<http::empty_body> req{http::verb::get, "/a/b?c=d%20e", 11};
  req.set(http::field::host, "example.test:8080");
  req.set(http::field::user_agent, "wrk");
  req.insert("X-Custom", "one");
  req.insert("x-custom", "two");  // repeated fields keep their order and spelling
  req.set("X-Forwarded-For", "10.0.0.1, 127.0.0.1");
  std::string ours;
  serializeHeader(req.base(), ours);
  EXPECT_EQ(ours, beastBytes(req));
  EXPECT_EQ(ours.substr(0, 26), "GET /a/b?c=d%20e HTTP/1.1\r");

  http::request<http::empty_body> custom{http::verb::unknown, "*", 10};
  custom.method_string("PURGE");
  std::string purge;
  serializeHeader(custom.base(), purge);
  EXPECT_EQ(purge, beastBytes(custom));
  EXPECT_EQ(purge, "PURGE * HTTP/1.0\r\n\r\n");
}

TEST(SerializeHeader, ResponseIsWhatBeastWritesWithItsOwnOrTheStandardReason) {
  http::response<http::empty_body> res{http::status::not_found, 11};
  res.set(http::field::content_type, "text/plain");
  res.set(http::field::content_length, "12");
  std::string ours;
  serializeHeader(res.base(), ours);
  EXPECT_EQ(ours, beastBytes(res));
  EXPECT_EQ(ours, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n");

  // A reason the upstream chose is passed on as it was; an unknown status still gets three digits.
  http::response<http::empty_body> odd{static_cast<http::status>(599), 10};
  odd.reason("Custom Trouble");
  odd.keep_alive(true);
  serializeHeader(odd.base(), ours);
  EXPECT_EQ(ours, beastBytes(odd));
  EXPECT_EQ(ours.substr(0, 33), "HTTP/1.0 599 Custom Trouble\r\nConn");
}

}  // namespace
}  // namespace shipshape::proxy::detail
