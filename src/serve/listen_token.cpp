#include "serve/listen_token.h"

#include <cstdlib>

#include "common/file.h"

namespace shipshape::serve {
namespace {

std::string trim(std::string s) {
  const char* space = " \t\r\n\v\f";
  auto first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

}  // namespace

Result<std::string> readListenToken(const std::string& token_file) {
  if (token_file.empty()) {
    const char* v = std::getenv("SHIPSHAPE_LISTEN_TOKEN");
    return trim(v ? v : "");
  }
  auto text = readFile(token_file);
  if (!text) return fail(text.error().wrap("reading the listen token"));
  std::string token = trim(text->substr(0, text->find('\n')));
  if (token.empty()) {
    return fail(
        ErrorCode::kInvalidArgument,
        token_file + ": the listen token file's first line is empty (an empty token would mean no authentication)");
  }
  return token;
}

}  // namespace shipshape::serve
