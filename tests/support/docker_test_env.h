// DockerTest: the base fixture of every docker-labelled test. It connects to the real engine (DOCKER_HOST or
// the default socket) and fails the test loudly when none answers; it gives each test a unique name prefix
// and label, and removes everything carrying that label in TearDown, even when the test failed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "docker/client.h"

namespace shipshape::testing {

inline constexpr const char* kTestappImage = SHIPSHAPE_TESTAPP_IMAGE;
inline constexpr const char* kTestLabel = "shipshape.test";

// Polls `predicate` every 100 ms until it holds or `deadline` passes (tests never sleep blindly).
bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds deadline);

class DockerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  docker::Client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }
  // prefix + "-" + suffix: the name of a container or volume owned by this test.
  std::string name(std::string_view suffix) const;
  // Labels every resource of this test must carry so that TearDown finds it.
  docker::Labels testLabels() const;

  // A testapp container spec with this test's labels; adjust it before createContainer().
  docker::ContainerSpec testappSpec() const;
  // Creates (and starts, unless told otherwise) a container named name(suffix); fails the test on error.
  std::string runTestapp(std::string_view suffix, docker::ContainerSpec spec, bool start = true);
  // The container's address on its first network (bridge), for HTTP to testapp.
  std::string containerIp(std::string_view id);
  // Waits until the container's health is `status`; false on deadline.
  bool waitForHealth(std::string_view id, std::string_view status, std::chrono::milliseconds deadline);

 private:
  std::unique_ptr<docker::Client> client_;
  std::string prefix_;
};

// A Result that must hold a value, or the test fails with the error's description.
// The expression is evaluated once (the old macros ran it a second time to describe a failure: a second
// loadImage of a moved-from tar, found by clang-tidy's use-after-move).
template <class R>
::testing::AssertionResult isOk(const R& result) {
  if (result) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.error().describe();
}
#define SS_ASSERT_OK(expr) ASSERT_TRUE(::shipshape::testing::isOk(expr))
#define SS_EXPECT_OK(expr) EXPECT_TRUE(::shipshape::testing::isOk(expr))

}  // namespace shipshape::testing
