// HTTP checks from the proxy's own vantage point: the gate's probes and smoke tests and the bake's health
// watch use them, so a candidate is judged over the same path user traffic will take.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shipshape::proxy {

struct ProbeResult {
  int status = 0;           // 0 when no answer came
  std::string error;        // connect/timeout error when status is 0
  std::string body_start;   // the first 512 bytes of the body
  std::int64_t duration_ms = 0;
};

// One request: METHOD http://HOST:PORT/PATH with a whole-request timeout.
ProbeResult httpProbe(const std::string& method, const std::string& host, unsigned short port,
                      const std::string& path, std::chrono::milliseconds timeout);

}  // namespace shipshape::proxy
