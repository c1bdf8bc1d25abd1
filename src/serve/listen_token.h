// The bearer token that guards shipshape's HTTP endpoints, read one way for every command that serves them
// (`watch`, `proxy`): the first line of --listen-token-file with surrounding whitespace trimmed, or else the
// SHIPSHAPE_LISTEN_TOKEN environment variable. A file that yields no token is an error, never "no
// authentication"; with no file and no variable the token is empty and the server stays on loopback.
#pragma once

#include <string>

#include "common/result.h"

namespace shipshape::serve {

Result<std::string> readListenToken(const std::string& token_file);

}  // namespace shipshape::serve
