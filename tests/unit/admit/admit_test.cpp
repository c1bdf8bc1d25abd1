// The authorization plugin's pure parts: the engine's messages, a create request merged with its image,
// the policy's verdicts and its config file. The plugin against a real engine is in
// tests/integration/admit.
#include <unistd.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "admit/admission.h"
#include "admit/authz_message.h"
#include "admit/create_request.h"
#include "admit/policy.h"
#include "common/base64.h"
#include "rules/live_checks.h"
#include "support/scoped.h"

namespace shipshape::admit {
namespace {

using nlohmann::json;

std::string authzJson(const std::string& method, const std::string& uri, const std::string& body) {
  // Field names as dockerd 20.10 sends them (its Go struct tags: "RequestUri", not the docs' "RequestURI").
  json j = {{"User", ""},
            {"UserAuthNMethod", ""},
            {"RequestMethod", method},
            {"RequestUri", uri},
            {"RequestHeaders", {{"Content-Type", "application/json"}}}};
  j["RequestBody"] = body.empty() ? json() : json(base64Encode(body));
  return j.dump();
}

// An image inspect answer as the engine gives it.
std::string imageJson(const std::string& user, const json& volumes = json::object()) {
  return json{
      {"Id", "sha256:" + std::string(64, 'a')},
      {"RepoTags", {"app:1"}},
      {"Config",
       {{"User", user}, {"Env", {"PATH=/bin", "MODE=prod"}}, {"Volumes", volumes}, {"Labels", {{"team", "core"}}}}}}
      .dump();
}

std::set<std::string> ruleIds(const std::vector<rules::Finding>& findings) {
  std::set<std::string> ids;
  for (const auto& f : findings) ids.insert(f.rule_id);
  return ids;
}

TEST(AuthzMessage, DecodesTheEnginesRequest) {
  auto r = parseAuthzRequest(authzJson("POST", "/v1.41/containers/create?name=web%2D1", R"({"Image":"app:1"})"));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->method, "POST");
  EXPECT_TRUE(r->has_body);
  EXPECT_EQ(r->body, R"({"Image":"app:1"})");
  ApiRoute route = apiRoute(r->uri);
  EXPECT_EQ(route.path, "/containers/create");
  EXPECT_EQ(queryParam(route.query, "name"), "web-1");
  EXPECT_EQ(apiRoute("/_ping").path, "/_ping");
  EXPECT_EQ(apiRoute("/volumes/v1.2").path, "/volumes/v1.2");  // only a leading version is stripped

  auto no_body = parseAuthzRequest(authzJson("GET", "/v1.41/containers/json", ""));
  ASSERT_TRUE(no_body);
  EXPECT_FALSE(no_body->has_body);

  auto docs_spelling = parseAuthzRequest(R"({"RequestMethod":"GET","RequestURI":"/_ping"})");
  ASSERT_TRUE(docs_spelling);
  EXPECT_EQ(docs_spelling->uri, "/_ping");
  EXPECT_FALSE(parseAuthzRequest("[1]"));
  EXPECT_FALSE(parseAuthzRequest(R"({"RequestMethod":"POST"})"));
  EXPECT_FALSE(parseAuthzRequest(R"({"RequestMethod":"POST","RequestURI":"/x","RequestBody":"%%%"})"));
  EXPECT_EQ(json::parse(authzAnswer(false, "no"))["Msg"], "no");
  EXPECT_EQ(json::parse(authzAnswer(true)).count("Msg"), 0u);
}

TEST(CreateRequest, TakesUserEnvLabelsAndVolumesFromTheImageAsTheEngineDoes) {
  json body = {{"Image", "app:1"},
               {"Env", {"MODE=dev"}},
               {"Labels", {{"tier", "web"}}},
               {"Volumes", {{"/cache", json::object()}}},
               {"HostConfig",
                {{"Binds", {"/srv/www:/www:ro,z", "named:/named"}},
                 {"Mounts", {{{"Type", "volume"}, {"Target", "/scratch"}}}},
                 {"Memory", 1 << 28}}}};
  auto r = parseCreateRequest(body.dump(), "web", imageJson("10001", {{"/var/lib/data", json::object()}}));
  ASSERT_TRUE(r) << r.error().describe();
  const auto& c = r->container;
  EXPECT_EQ(c.name, "web");
  EXPECT_EQ(c.config.user, "10001");
  EXPECT_EQ(c.config.env, (std::vector<std::string>{"PATH=/bin", "MODE=dev"}));
  EXPECT_EQ(c.config.labels.at("team"), "core");
  EXPECT_EQ(c.config.labels.at("tier"), "web");
  EXPECT_EQ(c.host_config.memory, 1 << 28);
  std::map<std::string, docker::MountPoint> by_target;
  for (const auto& m : c.mounts) by_target[m.destination] = m;
  ASSERT_EQ(by_target.size(), 5u);
  EXPECT_EQ(by_target["/www"].type, "bind");
  EXPECT_FALSE(by_target["/www"].rw);
  EXPECT_EQ(by_target["/named"].name, "named");
  EXPECT_EQ(by_target["/scratch"].name, "");       // Mounts without Source: anonymous
  EXPECT_EQ(by_target["/cache"].name, "");         // -v /cache: anonymous
  EXPECT_EQ(by_target["/var/lib/data"].name, "");  // the image's VOLUME nothing covers: anonymous

  // The request's user wins over the image's.
  body["User"] = "root";
  auto root = parseCreateRequest(body.dump(), "", imageJson("10001"));
  ASSERT_TRUE(root);
  EXPECT_EQ(root->container.config.user, "root");
  EXPECT_EQ(root->container.name, "(unnamed)");

  // The body `docker create --name compliant --network none --memory 64m -v appdata:/data IMAGE` sends
  // (docker CLI 20.10, captured): every unset field is there, empty; "User":"" must take the image's user.
  const std::string cli_body =
      R"({"Hostname":"","Domainname":"","User":"","AttachStdin":false,"Env":null,"Cmd":null,"Image":"app:1",)"
      R"("Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":)"
      R"(["appdata:/data"],"LogConfig":{"Type":"","Config":{}},"NetworkMode":"none","CapAdd":null,"CapDrop":null,)"
      R"("IpcMode":"","PidMode":"","Privileged":false,"SecurityOpt":null,"Memory":67108864,"NanoCpus":0,)"
      R"("PidsLimit":0},"NetworkingConfig":{"EndpointsConfig":{}}})";
  auto cli = parseCreateRequest(cli_body, "compliant", imageJson("65534:65534", {{"/data", json::object()}}));
  ASSERT_TRUE(cli) << cli.error().describe();
  EXPECT_EQ(cli->container.config.user, "65534:65534");
  ASSERT_EQ(cli->container.mounts.size(), 1u);
  EXPECT_EQ(cli->container.mounts[0].name, "appdata");

  EXPECT_FALSE(parseCreateRequest("not json", "x", std::nullopt));
  EXPECT_FALSE(requestedImage(R"({"Cmd":["x"]})"));
}

TEST(Policy, DeniesWhatTheLiveAuditWouldFlagAndNamesTheFix) {
  json body = {{"Image", "app:1"},
               {"HostConfig", {{"Privileged", true}, {"Binds", {"/var/run/docker.sock:/var/run/docker.sock"}}}}};
  auto r = parseCreateRequest(body.dump(), "bad", imageJson("", {{"/data", json::object()}}));
  ASSERT_TRUE(r);
  rules::LiveSnapshot ctx;
  ctx.images[r->image->id] = *r->image;
  auto findings = rules::checkContainer(ctx, r->container);
  AdmitConfig config;
  Verdict v = judge(config, "container bad (image app:1)", "app:1", r->container.config.labels, findings);
  EXPECT_EQ(v.kind, Verdict::Kind::kDeny);
  EXPECT_EQ(ruleIds(v.violations), (std::set<std::string>{"SS101", "SS102", "SS301", "SS401", "SS403", "SS407"}));
  EXPECT_NE(v.message.find("SS401 root-user: runs as root (no user set) (fix: --user 10001:10001"), std::string::npos)
      << v.message;
  EXPECT_NE(v.message.find("a new anonymous volume"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("--memory"), std::string::npos);

  // A compliant request passes; SS406's "drops no capabilities" is low and does not deny.
  json good = {{"Image", "app:1"},
               {"User", "10001"},
               {"HostConfig", {{"Memory", 1 << 28}, {"NanoCpus", 500000000}, {"Binds", {"data:/data"}}}}};
  auto g = parseCreateRequest(good.dump(), "good", imageJson("", {{"/data", json::object()}}));
  ASSERT_TRUE(g);
  auto good_findings = rules::checkContainer(ctx, g->container);
  EXPECT_TRUE(ruleIds(good_findings).count("SS406"));
  EXPECT_EQ(judge(config, "container good", "app:1", g->container.config.labels, good_findings).kind,
            Verdict::Kind::kAllow);

  // Warn mode allows and says so; an exempt label or image allows whatever the mode.
  config.mode = Mode::kWarn;
  EXPECT_EQ(judge(config, "c", "app:1", {}, findings).kind, Verdict::Kind::kWarn);
  config.mode = Mode::kEnforce;
  EXPECT_EQ(judge(config, "c", "app:1", {{"shipshape.admit.exempt", "true"}}, findings).kind, Verdict::Kind::kExempt);
  EXPECT_EQ(judge(config, "c", "app:1", {{"shipshape.admit.exempt", "false"}}, findings).kind, Verdict::Kind::kDeny);
  config.exempt_images = {"registry.local/ops/*"};
  EXPECT_EQ(judge(config, "c", "registry.local/ops/agent:2", {}, findings).kind, Verdict::Kind::kExempt);
  config.deny = {"SS999"};
  EXPECT_EQ(judge(config, "c", "app:1", {}, findings).kind, Verdict::Kind::kAllow);
}

TEST(Policy, ConfigFileErrorsNameFileLineAndColumn) {
  testing::ScopedTempDir dir("admit-config");
  const std::string path = dir.path() + "/admit.yaml";
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };

  write(
      "mode: warn\ndeny: [SS401, SS403]\nmin_severity: high\nexempt:\n  label: ops.exempt\n  images: [\"ops/*\"]\n"
      "judge: [create, exec]\n");
  auto c = loadAdmitConfig(path);
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->mode, Mode::kWarn);
  EXPECT_EQ(c->deny, (std::set<std::string>{"SS401", "SS403"}));
  EXPECT_EQ(c->min_severity, rules::Severity::kHigh);
  EXPECT_EQ(c->exempt_label, "ops.exempt");
  EXPECT_TRUE(c->judge_exec);

  write("deny:\n  - SS401\n  - SS999\n");
  auto bad_rule = loadAdmitConfig(path);
  ASSERT_FALSE(bad_rule);
  EXPECT_NE(bad_rule.error().describe().find(path + ":3:5"), std::string::npos) << bad_rule.error().describe();

  write("mode: enforce\nmood: calm\n");
  auto unknown = loadAdmitConfig(path);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().describe().find(path + ":2:1"), std::string::npos) << unknown.error().describe();
  EXPECT_NE(unknown.error().describe().find("mood"), std::string::npos);

  write("mode: strict\n");
  auto mode = loadAdmitConfig(path);
  ASSERT_FALSE(mode);
  EXPECT_NE(mode.error().describe().find(path + ":1:7"), std::string::npos) << mode.error().describe();
}

TEST(Admission, PassesWhatItDoesNotJudgeAndFailsClosedWithoutABody) {
  AdmissionOptions o;
  o.engine.kind = docker::Endpoint::Kind::kUnix;  // never reached by these requests
  o.engine.socket_path = "/nonexistent/docker.sock";
  Admission a(std::move(o));
  EXPECT_TRUE(a.answerAtOnce(authzJson("GET", "/v1.41/containers/json", "")));  // not judged: answered at once
  EXPECT_FALSE(a.answerAtOnce(authzJson("POST", "/v1.41/containers/create", "{}")));
  EXPECT_EQ(json::parse(a.authzRequest(authzJson("GET", "/_ping", "")))["Allow"], true);
  auto no_body = json::parse(a.authzRequest(authzJson("POST", "/v1.41/containers/create?name=x", "")));
  EXPECT_EQ(no_body["Allow"], false);
  EXPECT_NE(no_body["Msg"].get<std::string>().find("no request body"), std::string::npos);
  EXPECT_EQ(a.count(Verdict::Kind::kDeny), 1u);
  std::string metrics = a.renderMetrics();
  EXPECT_NE(metrics.find("shipshape_admission_requests_total{verdict=\"denied\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("shipshape_admission_passthrough_total 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("shipshape_admission_judge_seconds_count 1"), std::string::npos) << metrics;
}

TEST(Admission, JudgesPrivilegedAndRootExecsOnlyWhenConfigured) {
  AdmissionOptions o;
  o.engine.socket_path = "/nonexistent/docker.sock";  // execs are judged from the request alone
  o.config.judge_exec = true;
  Admission a(std::move(o));
  const std::string uri = "/v1.41/containers/web/exec";
  EXPECT_FALSE(a.answerAtOnce(authzJson("POST", uri, R"({"Cmd":["sh"]})")));
  EXPECT_EQ(json::parse(a.authzRequest(authzJson("POST", uri, R"({"Cmd":["sh"],"User":"10001"})")))["Allow"], true);
  auto privileged = json::parse(a.authzRequest(authzJson("POST", uri, R"({"Cmd":["sh"],"Privileged":true})")));
  EXPECT_EQ(privileged["Allow"], false);
  EXPECT_NE(privileged["Msg"].get<std::string>().find("SS403"), std::string::npos) << privileged.dump();
  auto root = json::parse(a.authzRequest(authzJson("POST", uri, R"({"Cmd":["sh"],"User":"root"})")));
  EXPECT_EQ(root["Allow"], false);
  EXPECT_NE(root["Msg"].get<std::string>().find("exec in container web"), std::string::npos) << root.dump();

  AdmissionOptions defaults;
  defaults.engine.socket_path = "/nonexistent/docker.sock";
  Admission b(std::move(defaults));
  EXPECT_TRUE(b.answerAtOnce(authzJson("POST", uri, R"({"Privileged":true})")));
  EXPECT_EQ(json::parse(b.authzRequest(authzJson("POST", uri, R"({"Privileged":true})")))["Allow"], true);
}

}  // namespace
}  // namespace shipshape::admit
