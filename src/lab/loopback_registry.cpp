#include "lab/loopback_registry.h"

#include <signal.h>

#include <filesystem>
#include <thread>

#include "common/file.h"
#include "lab/lab_context.h"

namespace shipshape::lab {

Result<std::unique_ptr<LoopbackRegistry>> LoopbackRegistry::start(const LoopbackRegistryOptions& options,
                                                                  std::chrono::milliseconds deadline) {
  std::unique_ptr<LoopbackRegistry> registry(new LoopbackRegistry());
  auto port = freeLoopbackPort();
  if (!port) return fail(port.error());
  registry->port_ = *port;
  std::error_code ec;
  std::filesystem::create_directories(options.dir + "/data", ec);
  if (ec) return fail(ErrorCode::kIo, "creating " + options.dir + "/data: " + ec.message());
  std::string config = "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: " + options.dir +
                       "/data\n  delete:\n    enabled: true\nhttp:\n  addr: " + options.listen_host + ":" +
                       std::to_string(*port) + "\n" + options.auth_yaml;
  std::string config_path = options.dir + "/config.yml";
  if (auto written = writeFileAtomic(config_path, config, 0600); !written) return fail(written.error());
  auto process = PipedProcess::spawn({kRegistryBinary, "serve", config_path}, {}, {});
  if (!process) return fail(process.error().wrap("starting " + std::string(kRegistryBinary)));
  registry->process_ = std::move(*process);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (httpCall("GET", "http://" + registry->address() + "/v2/", "", std::chrono::seconds(1)).status != 0) {
      return registry;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the child's port
  }
  return fail(ErrorCode::kTimeout,
              "docker-registry did not answer at " + registry->address() + ":\n" + registry->log());
}

LoopbackRegistry::~LoopbackRegistry() {
  if (!process_) return;
  process_->signal(SIGTERM);
  (void)process_->waitFor(std::chrono::seconds(10));
}

std::string LoopbackRegistry::log() const {
  return process_ ? process_->collectedStdout() + process_->collectedStderr() : "";
}

}  // namespace shipshape::lab
