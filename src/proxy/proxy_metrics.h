// Per-upstream proxy counters in the Prometheus text format, appended to /metrics by whoever hosts the proxy.
#pragma once

#include <string>
#include <vector>

#include "proxy/proxy.h"

namespace shipshape::proxy {

// shipshape_proxy_requests_total, _responses_5xx_total, _upstream_errors_total, _retries_total,
// _in_flight_requests, _websockets_open and the _request_duration_seconds histogram, labelled
// {service, role (active|standby), container, release}.
std::string renderProxyMetrics(const std::vector<ServiceStatus>& services);

}  // namespace shipshape::proxy
