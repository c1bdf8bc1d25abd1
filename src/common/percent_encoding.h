// Percent-encoding (RFC 3986), one implementation for every place that builds or reads a URL: Engine API paths
// and query strings, registry token requests, package URLs, the dashboard's query strings and cookie.
#pragma once

#include <string>
#include <string_view>

namespace shipshape {

// Every byte outside the unreserved set [A-Za-z0-9-._~] as %XX (upper-case hex).
std::string percentEncode(std::string_view text);
// "%2Fa+b" -> "/a b" (form encoding: '+' is a space); a malformed escape is kept as it is.
std::string percentDecode(std::string_view text);

}  // namespace shipshape
