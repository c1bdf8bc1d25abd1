// Plain HTTP to testapp from the test process (through the container's bridge address).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::testing {

struct HttpResult {
  int status = 0;
  std::string body;
};

Result<HttpResult> httpRequest(const std::string& method, const std::string& url, const std::string& body = "",
                               std::chrono::milliseconds timeout = std::chrono::seconds(10),
                               const std::vector<std::string>& headers = {});
// Retries connection failures until `deadline` (the app may still be starting).
Result<HttpResult> httpGetWhenUp(const std::string& url, std::chrono::milliseconds deadline);

}  // namespace shipshape::testing
