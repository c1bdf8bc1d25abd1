// One request to a Bearer challenge's token endpoint, shaped by the credential as dockerd shapes it: a refresh
// token is POSTed as an OAuth2 form, a password goes as Basic auth on a GET (with `account`), no credential
// asks anonymously. Shared by `registry check` and `push`'s manifest verification.
#pragma once

#include <chrono>
#include <string>

#include "registry/challenge.h"
#include "registry/credentials.h"
#include "registry/http_client.h"

namespace shipshape::registry {

// `scope` may be "" (a login); the realm must be non-empty.
HttpResponse requestToken(const Challenge& challenge, const std::string& scope, const Credential& credential,
                          std::chrono::milliseconds timeout);

}  // namespace shipshape::registry
