#include "deploy/service_spec.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace shipshape::deploy {
namespace {

using json = nlohmann::json;

class ComposeDefinition : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir() + "/ss-spec-" + std::to_string(::getpid())).lexically_normal();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Result<ServiceDefinition> load(const std::string& yaml, const std::string& service = "web") {
    std::ofstream(dir_ + "/compose.yaml") << yaml;
    auto project = compose::loadProject({dir_ + "/compose.yaml"}, {});
    if (!project) return fail(project.error());
    return definitionFromCompose(*project, service, "shop");
  }
  std::string dir_;
};

TEST_F(ComposeDefinition, MapsTheServiceToACreateBody) {
  auto def = load(R"(services:
  web:
    image: shop/web:1.4.2
    command: serve --port 8080
    environment: {MODE: prod}
    user: "65534"
    volumes: [data:/data, ./conf:/etc/app:ro]
    mem_limit: 256m
    cpus: 0.5
    restart: unless-stopped
    ports: ["8080:8080"]
    healthcheck: {test: ["CMD", "/app", "probe"], interval: 2s, retries: 3}
    labels:
      shipshape.proxy.listen: "8000"
      shipshape.health.path: /health
    x-shipshape:
      port: 8080
      bake: 30s
      smoke:
        - {name: home, http: "GET / 200"}
        - {name: script, command: [/usr/local/bin/check, --fast]}
volumes: {data: {}}
)");
  ASSERT_TRUE(def) << def.error().describe();
  const json& c = def->create;
  EXPECT_EQ(def->image, "shop/web:1.4.2");
  EXPECT_EQ(c["Cmd"], json({"serve", "--port", "8080"}));
  EXPECT_EQ(c["Env"], json({"MODE=prod"}));
  EXPECT_EQ(c["HostConfig"]["Mounts"][0]["Source"], "shop_data");
  EXPECT_EQ(c["HostConfig"]["Binds"][0], dir_ + "/conf:/etc/app:ro");
  EXPECT_EQ(c["HostConfig"]["Memory"], 256 * 1024 * 1024);
  EXPECT_EQ(c["HostConfig"]["NanoCpus"], 500000000);
  EXPECT_EQ(c["HostConfig"]["NetworkMode"], "shop_default");
  EXPECT_FALSE(c["HostConfig"].contains("PortBindings"));
  EXPECT_EQ(c["Healthcheck"]["Interval"], 2000000000LL);
  EXPECT_EQ(c["Labels"]["com.docker.compose.service"], "web");
  ASSERT_EQ(def->warnings.size(), 1u);  // the published port
  EXPECT_NE(def->warnings[0].find("compose.yaml:11"), std::string::npos) << def->warnings[0];
  const auto& s = def->settings;
  EXPECT_EQ(s.listen, "127.0.0.1:8000");  // a bare port stays on loopback
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.bake_ms, 30000);
  EXPECT_EQ(s.health_path, "/health");
  ASSERT_EQ(s.smoke.size(), 2u);
  EXPECT_EQ(s.smoke[0].path, "/");
  EXPECT_EQ(s.smoke[1].command, std::vector<std::string>({"/usr/local/bin/check", "--fast"}));

  // Through the state store and back, unchanged.
  auto back = fromRecord(toRecord(*def));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->create, def->create);
  EXPECT_EQ(back->settings.smoke.size(), 2u);
  EXPECT_EQ(back->networks, def->networks);

  // The candidate: image by ID, labelled with service and release; the hash ignores the image.
  json body = candidateBody(*def, "sha256:abc", 7);
  EXPECT_EQ(body["Image"], "sha256:abc");
  EXPECT_EQ(body["Labels"]["shipshape.release"], "7");
  EXPECT_EQ(configHash(body), configHash(candidateBody(*def, "sha256:def", 8)));
}

TEST_F(ComposeDefinition, BadSettingsNameTheirPlace) {
  auto bad = load("services:\n  web:\n    image: x:1\n    labels:\n      shipshape.bake: soon\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("compose.yaml:2"), std::string::npos) << bad.error().describe();
  EXPECT_NE(bad.error().describe().find("bake"), std::string::npos);
  auto missing = load("services:\n  web:\n    image: x:1\n", "api");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().describe().find("no service \"api\""), std::string::npos);
  auto smoke = readSettings(json{{"shipshape.smoke.x", "fetch home"}}, json::object());
  ASSERT_FALSE(smoke);
  auto unknown = readSettings(json{{"shipshape.health.nonsense", "1"}}, json::object());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().describe().find("shipshape.health.nonsense"), std::string::npos);
  // Other features' labels are theirs: not an error here.
  EXPECT_TRUE(readSettings(json{{"shipshape.autoheal", "true"}, {"shipshape.limits.cpus", "0.5"}}, json::object()));
}

TEST(InspectDefinition, KeepsTheContainersOwnSettingsAndLeavesTheImagesToTheNewImage) {
  json inspect = {{"Name", "/web-1"},
                  {"Image", "sha256:old"},
                  {"Config",
                   {{"Hostname", "abc"},
                    {"Image", "shop/web:1"},
                    {"Env", {"PATH=/usr/bin", "APP_VERSION=v1", "MODE=prod"}},
                    {"Cmd", {"serve"}},
                    {"ExposedPorts", {{"8080/tcp", json::object()}}},
                    {"Labels", {{"from.image", "1"}, {"shipshape.proxy.listen", "127.0.0.1:8000"}}}}},
                  {"HostConfig", {{"NetworkMode", "bridge"}, {"PortBindings", {{"8080/tcp", {{{"HostPort", "80"}}}}}}}},
                  {"Mounts", json::array()},
                  {"NetworkSettings", {{"Networks", {{"bridge", json::object()}}}}}};
  json image = {{"Config",
                 {{"Env", {"PATH=/usr/bin", "APP_VERSION=v1"}},
                  {"Cmd", {"serve"}},
                  {"ExposedPorts", {{"8080/tcp", json::object()}}},
                  {"Labels", {{"from.image", "1"}}}}}};
  auto def = definitionFromInspect(inspect.dump(), image.dump(), "");
  ASSERT_TRUE(def) << def.error().describe();
  EXPECT_EQ(def->name, "web-1");
  EXPECT_EQ(def->image, "shop/web:1");
  EXPECT_EQ(def->create["Env"], json({"MODE=prod"}));
  EXPECT_FALSE(def->create.contains("Cmd"));
  EXPECT_FALSE(def->create.contains("Hostname"));
  EXPECT_FALSE(def->create["Labels"].contains("from.image"));
  EXPECT_FALSE(def->create["HostConfig"].contains("PortBindings"));
  EXPECT_EQ(def->settings.port, 8080);  // the single exposed port
  EXPECT_EQ(def->settings.listen, "127.0.0.1:8000");
  EXPECT_EQ(def->networks, std::vector<std::string>{"bridge"});
  EXPECT_EQ(def->warnings.size(), 1u);
}

}  // namespace
}  // namespace shipshape::deploy
