#include "serve/metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shipshape::serve {
namespace {

resources::Snapshot snapshot() {
  auto info = std::make_shared<resources::ContainerInfo>();
  info->id = "abc123";
  info->name = "web";
  info->image = "shop/web:1.4";
  info->labels = {{"com.docker.compose.service", "web"}, {"quote", "a\"b"}};
  info->memory_limit = 256 << 20;
  resources::ContainerUsage u;
  u.info = info;
  u.raw.cpu_usage_ns = 2500000000;
  u.raw.memory_usage = 100 << 20;
  u.raw.memory_working_set = 80 << 20;
  u.raw.oom_kills = 2;
  u.raw.net = {1000, 2000};
  resources::Snapshot s;
  s.at_ms = 1795674051719;
  s.cores = 2;
  s.memory = {24ull << 30, 20ull << 30};
  s.containers.push_back(u);
  return s;
}

TEST(Metrics, UsesCadvisorNamesAndLabels) {
  std::string text = renderMetrics(snapshot(), {.restarts = 3});
  const std::string labels =
      "id=\"/docker/abc123\",image=\"shop/web:1.4\",name=\"web\",container_label_com_docker_compose_service=\"web\","
      "container_label_quote=\"a\\\"b\"";
  EXPECT_NE(text.find("container_cpu_usage_seconds_total{cpu=\"total\"," + labels + "} 2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("container_memory_working_set_bytes{" + labels + "} 83886080\n"), std::string::npos);
  EXPECT_NE(text.find("container_memory_usage_bytes{" + labels + "} 104857600\n"), std::string::npos);
  EXPECT_NE(text.find("container_spec_memory_limit_bytes{" + labels + "} 268435456\n"), std::string::npos);
  EXPECT_NE(text.find("container_oom_events_total{" + labels + "} 2\n"), std::string::npos);
  EXPECT_NE(text.find("container_network_receive_bytes_total{interface=\"eth0\"," + labels + "} 1000\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE container_cpu_usage_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("machine_cpu_cores 2\n"), std::string::npos);
  EXPECT_NE(text.find("shipshape_heals_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("shipshape_daemon_up 1\n"), std::string::npos);
  // Every line is a comment or "name{labels} value".
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("#")) continue;
    EXPECT_NE(line.rfind(' '), std::string::npos) << line;
  }
}

TEST(Metrics, LabelNamesAreSanitisedLikeCadvisor) {
  EXPECT_EQ(cadvisorLabelName("com.docker.compose.project"), "container_label_com_docker_compose_project");
  EXPECT_EQ(cadvisorLabelName("a-b/c"), "container_label_a_b_c");
}

TEST(Healthz, StalledLoopIsUnhealthy) {
  bool healthy = false;
  auto body = nlohmann::json::parse(renderHealthz(snapshot(), {.last_loop_ms = 1000}, 2000, 10000, &healthy));
  EXPECT_TRUE(healthy);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["containers_sampled"], 1);
  renderHealthz(snapshot(), {.last_loop_ms = 1000}, 20000, 10000, &healthy);
  EXPECT_FALSE(healthy);
}

}  // namespace
}  // namespace shipshape::serve
