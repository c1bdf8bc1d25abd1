#include "support/docker_test_env.h"

#include <unistd.h>

#include <atomic>
#include <thread>

namespace shipshape::testing {

namespace {
std::atomic<int> g_counter{0};
}

void DockerTest::SetUp() {
  prefix_ = "sstest-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter.fetch_add(1));
  auto client = docker::Client::fromEnvironment();
  ASSERT_TRUE(client.has_value()) << client.error().describe();
  client_ = std::move(*client);
  auto version = client_->apiVersion();
  ASSERT_TRUE(version.has_value()) << "docker-labelled tests need a real engine; run scripts/ensure-docker. "
                                   << version.error().describe();
  auto image = client_->inspectImage(kTestappImage);
  ASSERT_TRUE(image.has_value()) << "the test image is missing; ctest builds it in docker.testapp_image "
                                    "(scripts/build-testapp-image): "
                                 << image.error().describe();
}

void DockerTest::TearDown() {
  if (!client_) return;
  docker::Filters by_label{{"label", {std::string(kTestLabel) + "=" + prefix_}}};
  if (auto containers = client_->listContainers({.all = true, .filters = by_label})) {
    for (const auto& c : *containers) {
      auto removed = client_->removeContainer(c.id, {.force = true, .volumes = true});
      EXPECT_TRUE(removed.has_value() || removed.error().code == ErrorCode::kNotFound)
          << "cleanup: " << removed.error().describe();
    }
  }
  if (auto volumes = client_->listVolumes(by_label)) {
    for (const auto& v : *volumes) {
      auto removed = client_->removeVolume(v.name, true);
      EXPECT_TRUE(removed.has_value()) << "cleanup: " << removed.error().describe();
    }
  }
  // A migration of this test's container made a named volume without the test label and kept the anonymous
  // one it came from (on purpose, until --prune-old): both go with the test.
  docker::Filters migrated{{"label", {"shipshape.migrated-container"}}};
  if (auto volumes = client_->listVolumes(migrated)) {
    for (const auto& v : *volumes) {
      auto owner = v.labels.find("shipshape.migrated-container");
      if (owner == v.labels.end() || !owner->second.starts_with(prefix_ + "-")) continue;
      (void)client_->removeVolume(v.name, true);
      if (auto from = v.labels.find("shipshape.migrated-from"); from != v.labels.end()) {
        (void)client_->removeVolume(from->second, true);
      }
    }
  }
}

std::string DockerTest::name(std::string_view suffix) const { return prefix_ + "-" + std::string(suffix); }

docker::Labels DockerTest::testLabels() const { return {{kTestLabel, prefix_}}; }

docker::ContainerSpec DockerTest::testappSpec() const {
  docker::ContainerSpec spec;
  spec.image = kTestappImage;
  spec.labels = testLabels();
  return spec;
}

std::string DockerTest::runTestapp(std::string_view suffix, docker::ContainerSpec spec, bool start) {
  if (spec.image.empty()) spec.image = kTestappImage;
  spec.labels[kTestLabel] = prefix_;
  auto id = client_->createContainer(spec, name(suffix));
  EXPECT_TRUE(id.has_value()) << id.error().describe();
  if (!id) return "";
  if (start) {
    auto started = client_->startContainer(*id);
    EXPECT_TRUE(started.has_value()) << started.error().describe();
  }
  return *id;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return predicate();
}

std::string DockerTest::containerIp(std::string_view id) {
  std::string ip;
  eventually(
      [&] {
        auto c = client_->inspectContainer(id);
        if (c && !c->networks.empty()) ip = c->networks.front().ip_address;
        return !ip.empty();
      },
      std::chrono::seconds(5));
  return ip;
}

bool DockerTest::waitForHealth(std::string_view id, std::string_view status, std::chrono::milliseconds deadline) {
  return eventually(
      [&] {
        auto c = client_->inspectContainer(id);
        return c && c->healthStatus() == status;
      },
      deadline);
}

}  // namespace shipshape::testing
