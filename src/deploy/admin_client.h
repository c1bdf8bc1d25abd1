// The deploy commands' side of the proxy admin API (<state_dir>/proxy.sock).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace shipshape::docker {
class HttpTransport;
}

namespace shipshape::deploy {

// Where the admin socket of the proxy serving `state_dir` lives.
std::string adminSocketPath(const std::string& state_dir);

class AdminClient {
 public:
  explicit AdminClient(std::string socket_path);
  ~AdminClient();

  // Fails with one clear line when no proxy answers (how to start one, the socket and errno's message).
  Result<void> ping();
  // A JSON call; an error status becomes an error carrying the proxy's own message.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json& body = nullptr);

 private:
  std::string socket_path_;
  std::unique_ptr<docker::HttpTransport> transport_;
};

}  // namespace shipshape::deploy
