#include "cli/global_options.h"

#include <chrono>
#include <cstdio>

namespace shipshape::cli {

Result<std::unique_ptr<docker::Client>> makeClient(const GlobalOptions& options) {
  docker::ClientOptions client_options;
  client_options.transport.connect_timeout =
      std::chrono::milliseconds(static_cast<long long>(options.connect_timeout_s * 1000));
  client_options.transport.request_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_s * 1000));
  return docker::Client::fromEnvironment(options.host, client_options);
}

void printError(const Error& error) {
  std::string line = error.describe();
  if (error.code == ErrorCode::kUnreachable) line += " (is dockerd running? scripts/ensure-docker starts one)";
  std::fprintf(stderr, "shipshape: %s\n", line.c_str());
}

}  // namespace shipshape::cli
