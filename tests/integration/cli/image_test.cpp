// shipshape's own container image, built here without a registry (scripts/build-image) and run the way the
// README shows: read-only, no capabilities, the Docker socket and the host's cgroups and /proc mounted
// read-only. Inside, it still finds the host's containers' cgroups; its /metrics needs the token.
#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class Image : public DockerTest {
 protected:
  static void SetUpTestSuite() {
    auto built = runProcess({std::string(SHIPSHAPE_SOURCE_DIR) + "/scripts/build-image", SHIPSHAPE_BINARY, kImage});
    build_ok_ = built.exit_code == 0;
    build_log_ = built.out + built.err;
  }
  docker::ContainerSpec guardianSpec(std::vector<std::string> cmd) {
    docker::ContainerSpec spec;
    spec.image = kImage;
    spec.cmd = std::move(cmd);
    spec.labels = testLabels();
    spec.readonly_rootfs = true;
    spec.cap_drop = {"ALL"};
    spec.security_opt = {"no-new-privileges"};
    // The sanitizer build's binary runs in here too; LeakSanitizer needs ptrace, which no-capabilities denies.
    spec.env = {"ASAN_OPTIONS=detect_leaks=0"};
    spec.binds = {"/var/run/docker.sock:/var/run/docker.sock", "/sys/fs/cgroup:/host/sys/fs/cgroup:ro",
                  "/proc:/host/proc:ro"};
    return spec;
  }
  static constexpr const char* kImage = "shipshape:test";
  static inline bool build_ok_ = false;
  static inline std::string build_log_;
};

TEST_F(Image, FindsTheHostsCgroupsFromInside) {
  ASSERT_TRUE(build_ok_) << build_log_;
  auto target = testappSpec();
  target.memory = 48 << 20;
  std::string id = runTestapp("target", target);
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(id) + ":8080/health", 10s));
  auto top = client().createContainer(guardianSpec({"top", "--no-stream"}), name("top"));
  SS_ASSERT_OK(top);
  SS_ASSERT_OK(client().startContainer(*top));
  auto code = client().waitContainer(*top);
  SS_ASSERT_OK(code);
  std::string out;
  SS_ASSERT_OK(client().logs(*top, {}, [&](const docker::LogFrame& f) {
    out += f.data;
    return true;
  }));
  EXPECT_EQ(*code, 0) << out;
  std::string row;
  auto at = out.find(name("target"));
  ASSERT_NE(at, std::string::npos) << out;
  row = out.substr(at, out.find('\n', at) - at);
  EXPECT_NE(row.find("/ 48MiB"), std::string::npos) << "the limit read from the host's cgroup: " << row;
  EXPECT_EQ(row.find("0B / 0B   0B"), std::string::npos);
}

TEST_F(Image, ServesMetricsOffLoopbackOnlyWithTheToken) {
  ASSERT_TRUE(build_ok_) << build_log_;
  std::string id = runTestapp("watched", testappSpec());
  auto spec = guardianSpec({"watch", "--state-dir", "/tmp/state", "--listen", "0.0.0.0:9323"});
  spec.env.push_back("SHIPSHAPE_LISTEN_TOKEN=test-token-123");
  spec.mounts = {{.type = "tmpfs", .target = "/tmp"}};
  auto guardian = client().createContainer(spec, name("guardian"));
  SS_ASSERT_OK(guardian);
  SS_ASSERT_OK(client().startContainer(*guardian));
  std::string url = "http://" + containerIp(*guardian) + ":9323/metrics";
  auto denied = httpGetWhenUp(url, 15s);
  SS_ASSERT_OK(denied);
  EXPECT_EQ(denied->status, 401);
  Result<HttpResult> metrics = fail(ErrorCode::kTimeout, "no sample");
  ASSERT_TRUE(eventually([&] {
    metrics = httpRequest("GET", url, "", 5s, {"Authorization: Bearer test-token-123"});
    return metrics && metrics->status == 200 &&
           metrics->body.find("container_memory_working_set_bytes{id=\"/docker/" + id) != std::string::npos;
  }, 15s)) << (metrics ? metrics->body.substr(0, 2000) : metrics.error().describe());
}

}  // namespace
}  // namespace shipshape::testing
