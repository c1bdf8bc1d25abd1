// shipshape version: client version, engine version, and the API version both agreed on.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "docker/api_version.h"

namespace shipshape::cli {

ExitCode runVersion(const GlobalOptions& global, const VersionOptions& options) {
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  auto negotiated = (*client)->apiVersion();
  if (!negotiated) {
    printError(negotiated.error());
    return ExitCode::kError;
  }
  auto server = (*client)->version();
  if (!server) {
    printError(server.error());
    return ExitCode::kError;
  }
  const std::string endpoint = (*client)->endpoint().display();
  if (options.format == "json") {
    nlohmann::json j = {
        {"client",
         {{"version", SHIPSHAPE_VERSION},
          {"api_version_min", docker::kMinApiVersion.toString()},
          {"api_version_max", docker::kMaxApiVersion.toString()}}},
        {"server",
         {{"endpoint", endpoint},
          {"version", server->version},
          {"api_version", server->api_version},
          {"min_api_version", server->min_api_version},
          {"git_commit", server->git_commit},
          {"go_version", server->go_version},
          {"os", server->os},
          {"arch", server->arch},
          {"kernel_version", server->kernel_version},
          {"components", server->components}}},
        {"negotiated_api_version", negotiated->toString()}};
    std::printf("%s\n", j.dump(2).c_str());
    return ExitCode::kOk;
  }
  std::printf("Client:\n");
  std::printf(" Version:        %s\n", SHIPSHAPE_VERSION);
  std::printf(" API versions:   %s to %s\n", docker::kMinApiVersion.toString().c_str(),
              docker::kMaxApiVersion.toString().c_str());
  std::printf("\nServer: %s\n", endpoint.c_str());
  std::printf(" Engine:         %s\n", server->version.c_str());
  std::printf(" API version:    %s (minimum version %s)\n", server->api_version.c_str(),
              server->min_api_version.c_str());
  std::printf(" OS/Arch:        %s/%s\n", server->os.c_str(), server->arch.c_str());
  std::printf(" Kernel:         %s\n", server->kernel_version.c_str());
  for (const auto& [name, version] : server->components) {
    if (name != "Engine") std::printf(" %-15s %s\n", (name + ":").c_str(), version.c_str());
  }
  std::printf("\nNegotiated API version: %s\n", negotiated->toString().c_str());
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
