// Options every subcommand shares, and the one way to build an engine client from them.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::cli {

struct GlobalOptions {
  std::string host;          // -H/--host, else DOCKER_HOST
  double timeout_s = 30;     // per request
  double connect_timeout_s = 3;
  std::string log_level = "warn";
};

Result<std::unique_ptr<docker::Client>> makeClient(const GlobalOptions& options);
// Prints "shipshape: <error>" on stderr as one line.
void printError(const Error& error);

}  // namespace shipshape::cli
