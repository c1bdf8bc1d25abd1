// `shipshape push`: the check first (a push that cannot succeed is refused with its diagnosis), then the push
// through the Engine API with credentials fetched fresh before every attempt, retried with backoff on what
// passes (5xx, resets, an expired or rotated token) and never on what does not (denied, insufficient scope,
// unknown names), and finally a HEAD on the manifest: exit 0 only when the registry has the digest the engine
// pushed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "docker/client.h"
#include "registry/check.h"
#include "registry/credentials.h"

namespace shipshape::registry {

struct PushOptions {
  std::string image;
  int retries = 4;
  std::chrono::milliseconds first_backoff{1000}, max_backoff{30000};
  std::vector<std::string> insecure;
  std::chrono::milliseconds timeout{10000};
};

struct PushAttempt {
  int number = 0;
  std::string error;  // the daemon's own message; "" when the attempt succeeded
  std::string cause;  // "server", "transport", "auth", "denied", "other"
  bool retryable = false;
  long long duration_ms = 0;
  long long backoff_ms = 0;  // waited after this attempt
};

struct PushResult {
  enum class Outcome { kPushed, kRefused, kFailed, kExhausted, kUnverified } outcome = Outcome::kFailed;
  Verdict verdict;  // the check before the first attempt
  std::vector<PushAttempt> attempts;
  std::string digest;           // what the engine reported
  std::string registry_digest;  // what the registry's manifest HEAD answered
  std::string error;
  long long retry_delay_ms = 0;  // the total added by backoff
  long long duration_ms = 0;
};
const char* outcomeName(PushResult::Outcome outcome);

// How a push error reads: its cause and whether another attempt can help.
struct PushErrorClass {
  std::string cause;
  bool retryable = false;
};
PushErrorClass classifyPushError(std::string_view message);

// The X-Registry-Auth header value: base64url (padded) JSON the engine decodes.
std::string registryAuthHeader(const Credential& credential, const std::string& registry);

// Bytes sent so far across an image's layers, from the engine's push stream. The engine repeats each layer's
// progressDetail {current, total} as the layer goes out, so a layer's counts replace its previous ones; a
// layer reported "Pushed" counts as whole.
class PushTally {
 public:
  // One line of the stream (JSON); false when it carried no byte counts.
  bool add(std::string_view json_line);
  bool add(const nlohmann::json& line);  // the same, already parsed
  void reset() { layers_.clear(); }
  std::int64_t done() const;
  std::int64_t total() const;  // of the layers seen so far

 private:
  struct Layer {
    std::int64_t current = 0, total = 0;
  };
  std::map<std::string, Layer> layers_;
};

using PushProgress = std::function<void(std::string_view line)>;  // human-readable lines
using PushBytes = std::function<void(std::int64_t done, std::int64_t total)>;
PushResult push(docker::Client& client, const PushOptions& options, const PushProgress& progress,
                const PushBytes& bytes = {});

}  // namespace shipshape::registry
