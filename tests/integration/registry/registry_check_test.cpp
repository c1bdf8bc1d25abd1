// `shipshape registry check` against Debian's docker-registry on loopback, run as a user would: a temporary
// DOCKER_CONFIG per cause, the --json verdict read back. Basic (htpasswd) and token auth (a JWT issuer of the
// tests' own); credential helpers are small shell programs.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/docker_test_env.h"
#include "support/fault_relay.h"
#include "support/fixtures.h"
#include "support/http_get.h"
#include "support/http_receiver.h"
#include "support/process.h"
#include "support/test_registry.h"

namespace shipshape::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "s3cret-Pa55word";

struct Checked {
  ProcessResult run;
  json verdicts;
  json first() const { return verdicts.is_array() && !verdicts.empty() ? verdicts[0] : json(); }
};

Checked check(const ClientConfig& config, std::vector<std::string> args) {
  std::vector<std::string> argv = {SHIPSHAPE_BINARY, "registry", "check", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  Checked c;
  c.run = runProcess(argv, config.env(), 30s);
  c.verdicts = json::parse(c.run.out, nullptr, false);
  // No secret, ever, in anything the command printed.
  EXPECT_EQ(c.run.out.find(kPassword), std::string::npos) << c.run.out;
  EXPECT_EQ(c.run.err.find(kPassword), std::string::npos) << c.run.err;
  return c;
}

std::string authsFor(const std::string& registry, const std::string& user, const std::string& password) {
  return json{{"auths", {{registry, {{"auth", basicAuthField(user, password)}}}}}}.dump();
}

class BasicRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new TestRegistry({.htpasswd = {{"alice", kPassword}}, .listen_host = "0.0.0.0"});
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(registry_->up()) << registry_->log(); }
  static TestRegistry* registry_;
};
TestRegistry* BasicRegistry::registry_ = nullptr;

TEST_F(BasicRegistry, GoodCredentialsAreOkForLoginAndPushInUnderASecond) {
  ClientConfig config(authsFor(registry_->address(), "alice", kPassword));
  auto login = check(config, {});
  ASSERT_EQ(login.run.exit_code, 0) << login.run.out << login.run.err;
  EXPECT_EQ(login.first()["status"], "ok");
  EXPECT_EQ(login.first()["registry"], registry_->address());
  EXPECT_EQ(login.first()["credential_source"], "config");
  EXPECT_LT(login.first()["duration_ms"].get<int>(), 1000);
  auto push = check(config, {"--image", registry_->address() + "/team/app:1"});
  ASSERT_EQ(push.run.exit_code, 0) << push.run.out;
  EXPECT_NE(push.first()["detail"].get<std::string>().find("may push to team/app"), std::string::npos);
}

TEST_F(BasicRegistry, EachCauseHasItsOwnVerdict) {
  ClientConfig none("{}");
  auto anonymous = check(none, {registry_->address()});
  EXPECT_EQ(anonymous.run.exit_code, 1);
  EXPECT_EQ(anonymous.first()["status"], "no-credentials");
  EXPECT_EQ(anonymous.first()["credential_source"], "none");

  ClientConfig wrong(authsFor(registry_->address(), "alice", "not-the-password"));
  auto bad = check(wrong, {});
  EXPECT_EQ(bad.run.exit_code, 1);
  EXPECT_EQ(bad.first()["status"], "bad-credentials");
  EXPECT_LT(bad.first()["duration_ms"].get<int>(), 1000);

  ClientConfig missing(R"({"credsStore":"nosuchstore"})");
  auto absent = check(missing, {registry_->address()});
  EXPECT_EQ(absent.first()["status"], "helper-missing");
  EXPECT_EQ(absent.first()["credential_source"], "store:nosuchstore");
  EXPECT_NE(absent.first()["fix"].get<std::string>().find("docker-credential-nosuchstore"), std::string::npos);

  ClientConfig locked(json{{"credHelpers", {{registry_->address(), "locked"}}}}.dump());
  locked.addHelper("locked", "echo 'error getting credentials: keychain locked' >&2; exit 1");
  auto failed = check(locked, {});
  EXPECT_EQ(failed.first()["status"], "helper-failed");
  EXPECT_EQ(failed.first()["credential_source"], "helper:locked");
  EXPECT_NE(failed.first()["detail"].get<std::string>().find("keychain locked"), std::string::npos) << failed.run.out;

  ClientConfig hung(json{{"credHelpers", {{registry_->address(), "hung"}}}}.dump());
  hung.addHelper("hung", "exec sleep 30");
  auto slow = check(hung, {"--timeout", "1"});
  EXPECT_EQ(slow.first()["status"], "helper-failed");
  EXPECT_NE(slow.first()["detail"].get<std::string>().find("did not answer within 1 s"), std::string::npos);
  EXPECT_LT(slow.run.elapsed, 10s);

  // The helper protocol's "not found" is anonymous, not a failure.
  ClientConfig empty_store(json{{"credHelpers", {{registry_->address(), "empty"}}}}.dump());
  empty_store.addHelper("empty", "echo 'credentials not found in native keychain'; exit 1");
  EXPECT_EQ(check(empty_store, {}).first()["status"], "no-credentials");
}

TEST_F(BasicRegistry, AWorkingHelperIsAskedWithTheRegistryKeyAndItsAnswerUsed) {
  ClientConfig config(json{{"credHelpers", {{registry_->address(), "good"}}}}.dump());
  config.addHelper("good",
                   std::string("read server; [ \"$server\" = \"") + registry_->address() +
                       "\" ] || exit 3; echo '{\"ServerURL\":\"'$server'\",\"Username\":\"alice\",\"Secret\":\"" +
                       kPassword + "\"}'");
  auto ok = check(config, {"--image", registry_->address() + "/app"});
  EXPECT_EQ(ok.run.exit_code, 0) << ok.run.out;
  EXPECT_EQ(ok.first()["status"], "ok");
  EXPECT_EQ(ok.first()["credential_source"], "helper:good");
}

TEST_F(BasicRegistry, LoginStoresInShipshapesHelperAndConfigJsonHoldsNoSecret) {
  ClientConfig config("{\"credsStore\":\"\"}");
  config.addShipshapeHelper();
  std::vector<std::string> login = {SHIPSHAPE_BINARY, "registry",        "login", registry_->address(), "-u",
                                    "alice",          "--password-stdin"};
  // A wrong password is refused by the registry before anything is stored.
  auto refused = runProcess(login, config.env(), 30s, "not-the-password\n");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("bad-credentials"), std::string::npos) << refused.err;
  EXPECT_EQ(config.configJson(), "{\"credsStore\":\"\"}");

  auto done = runProcess(login, config.env(), 30s, std::string(kPassword) + "\n");
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_NE(done.out.find("Login Succeeded"), std::string::npos);
  std::string written = config.configJson();
  EXPECT_EQ(written.find(kPassword), std::string::npos) << written;
  EXPECT_EQ(written.find(basicAuthField("alice", kPassword)), std::string::npos) << written;
  json doc = json::parse(written);
  EXPECT_EQ(doc["credHelpers"][registry_->address()], "shipshape");
  EXPECT_EQ((std::filesystem::status(config.dir() + "/config.json").permissions() & std::filesystem::perms::all),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ((std::filesystem::status(config.credentialsDir()).permissions() & std::filesystem::perms::all),
            std::filesystem::perms::owner_all);
  EXPECT_EQ((std::filesystem::status(config.credentialsDir() + "/credentials.json").permissions() &
             std::filesystem::perms::all),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto verdict = check(config, {"--image", registry_->address() + "/team/app"});
  EXPECT_EQ(verdict.first()["status"], "ok") << verdict.run.out;
  EXPECT_EQ(verdict.first()["credential_source"], "helper:shipshape");

  // The helper protocol as the docker CLI speaks it, URL forms included.
  std::string helper = config.dir() + "/bin/docker-credential-shipshape";
  auto got = runProcess({helper, "get"}, config.env(), 10s, "http://" + registry_->address() + "\n");
  ASSERT_EQ(got.exit_code, 0) << got.out;
  EXPECT_EQ(json::parse(got.out)["Username"], "alice");
  EXPECT_EQ(json::parse(got.out)["Secret"], kPassword);
  auto listed = runProcess({helper, "list"}, config.env());
  EXPECT_EQ(json::parse(listed.out).size(), 1u) << listed.out;
  EXPECT_EQ(runProcess({helper, "erase"}, config.env(), 10s, "https://" + registry_->address()).exit_code, 0);
  auto gone = runProcess({helper, "get"}, config.env(), 10s, registry_->address());
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.out.find("credentials not found in native keychain"), std::string::npos);
  EXPECT_EQ(check(config, {}).first()["status"], "no-credentials");
}

TEST_F(BasicRegistry, ASecretFileIsReadAtEveryUseSoARotationNeedsNoNewLogin) {
  ClientConfig config("{}");
  config.addShipshapeHelper();
  std::string secret = config.dir() + "/registry_password";
  std::ofstream(secret) << kPassword << "\n";
  auto done =
      runProcess({SHIPSHAPE_BINARY, "registry", "login", registry_->address(), "-u", "alice", "--secret-file", secret},
                 config.env());
  ASSERT_EQ(done.exit_code, 0) << done.err;
  std::ifstream stored(config.credentialsDir() + "/credentials.json");
  std::string text{std::istreambuf_iterator<char>(stored), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text.find(kPassword), std::string::npos) << "the store keeps the file's path, not its content";
  EXPECT_EQ(check(config, {}).first()["status"], "ok");
  std::ofstream(secret) << "revoked-by-the-orchestrator\n";
  EXPECT_EQ(check(config, {}).first()["status"], "bad-credentials");
}

TEST_F(BasicRegistry, PlainDockerPushUsesShipshapesHelperAndTheImageComesBackTheSame) {
  ClientConfig config("{}");
  config.addShipshapeHelper();
  ASSERT_EQ(runProcess({SHIPSHAPE_BINARY, "registry", "login", registry_->address(), "-u", "alice", "--password-stdin"},
                       config.env(), 30s, kPassword)
                .exit_code,
            0);
  std::string image = registry_->address() + "/helper/testapp:1";
  ASSERT_EQ(runProcess({"/usr/bin/docker", "tag", SHIPSHAPE_TESTAPP_IMAGE, image}, config.env()).exit_code, 0);
  auto push = runProcess({"/usr/bin/docker", "push", image}, config.env(), 120s);
  ASSERT_EQ(push.exit_code, 0) << push.out << push.err;
  auto digest_at = push.out.find("digest: ");
  ASSERT_NE(digest_at, std::string::npos) << push.out;
  std::string digest = push.out.substr(digest_at + 8, 71);
  ASSERT_EQ(runProcess({"/usr/bin/docker", "rmi", image}, config.env()).exit_code, 0);
  auto pull = runProcess({"/usr/bin/docker", "pull", image}, config.env(), 120s);
  ASSERT_EQ(pull.exit_code, 0) << pull.out << pull.err;
  EXPECT_NE(pull.out.find(digest), std::string::npos) << pull.out;
  (void)runProcess({"/usr/bin/docker", "rmi", image}, config.env());
}

TEST_F(BasicRegistry, APushSurvives503sAndAResetWhereDockerPushFailsAndTheRegistryHasTheDigest) {
  FaultRelay relay(registry_->port());
  ClientConfig config(authsFor(relay.address(), "alice", kPassword));
  std::string image = relay.address() + "/faults/testapp:1";
  ASSERT_EQ(runProcess({"/usr/bin/docker", "tag", SHIPSHAPE_TESTAPP_IMAGE, image}, config.env()).exit_code, 0);

  // What a pipeline has today: the docker CLI gives up on the first 503 of the manifest upload.
  relay.addRule({.method = "PUT", .path_contains = "/manifests/", .fault = FaultRelay::Fault::k503, .times = 1});
  auto plain = runProcess({"/usr/bin/docker", "push", image}, config.env(), 120s);
  EXPECT_NE(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_EQ(relay.faultsInjected(), 1);

  relay.addRule({.method = "PUT", .path_contains = "/manifests/", .fault = FaultRelay::Fault::k503, .times = 2});
  relay.addRule({.method = "PUT", .path_contains = "/manifests/", .fault = FaultRelay::Fault::kReset, .times = 1});
  auto pushed = runProcess({SHIPSHAPE_BINARY, "push", image, "--json", "--backoff", "200ms"}, config.env(), 180s);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  EXPECT_EQ(relay.faultsInjected(), 4);
  json result = json::parse(pushed.out);
  EXPECT_EQ(result["outcome"], "pushed");
  ASSERT_EQ(result["attempts"].size(), 4u) << result.dump(2);
  EXPECT_EQ(result["attempts"][0]["cause"], "server");
  EXPECT_EQ(result["attempts"][2]["cause"], "transport");
  EXPECT_TRUE(result["attempts"][3]["error"].is_null());
  EXPECT_EQ(result["retry_delay_ms"], 200 + 400 + 800);  // bounded, and shown
  EXPECT_EQ(result["digest"], result["registry_digest"]);
  EXPECT_EQ(pushed.out.find(kPassword), std::string::npos);
  EXPECT_EQ(pushed.err.find(kPassword), std::string::npos);

  // Pulled back, the image is the one that was pushed.
  std::string digest = result["digest"];
  ASSERT_EQ(runProcess({"/usr/bin/docker", "rmi", image}, config.env()).exit_code, 0);
  auto pull = runProcess({"/usr/bin/docker", "pull", image}, config.env(), 120s);
  ASSERT_EQ(pull.exit_code, 0) << pull.out << pull.err;
  EXPECT_NE(pull.out.find(digest), std::string::npos) << pull.out;
  (void)runProcess({"/usr/bin/docker", "rmi", image}, config.env());
}

// A non-loopback address of this host, where the registry (listening on all addresses) also answers.
std::string hostAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string(text).starts_with("127.")) continue;
    found = text;
  }
  ::freeifaddrs(list);
  return found;
}

TEST_F(BasicRegistry, PlainHttpOnANonLoopbackAddressIsATlsErrorUnlessDeclaredInsecure) {
  std::string host = hostAddress();
  ASSERT_FALSE(host.empty()) << "this machine has no non-loopback IPv4 address";
  std::string registry = host + ":" + std::to_string(registry_->port());
  ClientConfig config(authsFor(registry, "alice", kPassword));
  auto tls = check(config, {});
  EXPECT_EQ(tls.first()["status"], "tls-error") << tls.run.out;
  EXPECT_NE(tls.first()["detail"].get<std::string>().find("plain HTTP"), std::string::npos);
  EXPECT_NE(tls.first()["fix"].get<std::string>().find("insecure-registries"), std::string::npos);
  auto declared = check(config, {"--insecure-registry", registry});
  EXPECT_EQ(declared.first()["status"], "ok") << declared.run.out;
}

TEST(RegistryCheck, NothingListeningIsUnreachableAndA5xxIsARegistryError) {
  ReservedPort closed;
  std::string dead = "127.0.0.1:" + std::to_string(closed.port());
  ClientConfig config(authsFor(dead, "alice", kPassword));
  auto down = check(config, {});
  EXPECT_EQ(down.run.exit_code, 1);
  EXPECT_EQ(down.first()["status"], "unreachable");
  EXPECT_NE(down.first()["detail"].get<std::string>().find("refused"), std::string::npos) << down.run.out;

  HttpReceiver failing(503);
  std::string broken = "127.0.0.1:" + std::to_string(failing.port());
  auto error = check(ClientConfig(authsFor(broken, "alice", kPassword)), {});
  EXPECT_EQ(error.first()["status"], "registry-error");
  EXPECT_NE(error.first()["detail"].get<std::string>().find("503"), std::string::npos);
}

TEST(RegistryCheck, BadUsageIsExitTwo) {
  ClientConfig none("{}");
  EXPECT_EQ(check(none, {}).run.exit_code, 2);  // no registry known
  EXPECT_EQ(check(none, {"--expiry-window", "soon", "127.0.0.1:1"}).run.exit_code, 2);
  ClientConfig broken("{\"auths\": [");
  auto unreadable = check(broken, {"127.0.0.1:1"});
  EXPECT_EQ(unreadable.run.exit_code, 2);
  EXPECT_NE(unreadable.run.err.find("config.json"), std::string::npos);
}

class TokenRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    issuer_ = new TokenIssuer("shipshape-test-registry", 300s);
    issuer_->addUser("ci", {.password = kPassword});
    issuer_->addUser("reader", {.password = kPassword, .actions = {"pull"}});
    registry_ = new TestRegistry({.issuer = issuer_});
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete issuer_;
    registry_ = nullptr;
    issuer_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(registry_->up()) << registry_->log(); }
  std::string image() const { return registry_->address() + "/team/app:1"; }
  static TokenIssuer* issuer_;
  static TestRegistry* registry_;
};
TokenIssuer* TokenRegistry::issuer_ = nullptr;
TestRegistry* TokenRegistry::registry_ = nullptr;

TEST_F(TokenRegistry, APasswordGetsAPushTokenWhoseLifetimeIsShown) {
  auto ok = check(ClientConfig(authsFor(registry_->address(), "ci", kPassword)), {"--image", image()});
  ASSERT_EQ(ok.run.exit_code, 0) << ok.run.out << registry_->log();
  EXPECT_EQ(ok.first()["status"], "ok");
  EXPECT_TRUE(ok.first()["token_expires_at"].is_string());
  EXPECT_LT(ok.first()["duration_ms"].get<int>(), 1000);
}

TEST_F(TokenRegistry, ALoginThatMayNotPushIsInsufficientScope) {
  ClientConfig config(authsFor(registry_->address(), "reader", kPassword));
  EXPECT_EQ(check(config, {}).first()["status"], "ok");  // the login itself works
  auto push = check(config, {"--image", image()});
  EXPECT_EQ(push.run.exit_code, 1);
  EXPECT_EQ(push.first()["status"], "insufficient-scope") << push.run.out;
  EXPECT_NE(push.first()["detail"].get<std::string>().find("[pull]"), std::string::npos);
}

TEST_F(TokenRegistry, AnExpiredCiTokenIsTokenExpiredAndAnExpiringOneExpiresSoon) {
  std::string expired = issuer_->makeJwt(-120s, "job");
  issuer_->addUser("job", {.password = expired});
  auto gone = check(ClientConfig(authsFor(registry_->address(), "job", expired)), {"--image", image()});
  EXPECT_EQ(gone.first()["status"], "token-expired") << gone.run.out;
  EXPECT_TRUE(gone.first()["expires_at"].is_string());
  EXPECT_EQ(gone.run.out.find(expired), std::string::npos);

  std::string expiring = issuer_->makeJwt(2h, "job2");
  issuer_->addUser("job2", {.password = expiring});
  ClientConfig soon(authsFor(registry_->address(), "job2", expiring));
  auto warned = check(soon, {"--image", image()});
  EXPECT_EQ(warned.run.exit_code, 1);
  EXPECT_EQ(warned.first()["status"], "expires-soon") << warned.run.out;
  EXPECT_NE(warned.first()["detail"].get<std::string>().find("expires in"), std::string::npos);
  EXPECT_EQ(check(soon, {"--image", image(), "--expiry-window", "1h"}).first()["status"], "ok");
}

TEST_F(TokenRegistry, AStoredRegistryTokenTheRegistryRejectsAsExpiredIsTokenExpired) {
  std::string stale = issuer_->makeJwt(-60s, "ci");
  ClientConfig config(json{{"auths", {{registry_->address(), {{"registrytoken", stale}}}}}}.dump());
  auto verdict = check(config, {});
  EXPECT_EQ(verdict.first()["status"], "token-expired") << verdict.run.out;
  EXPECT_NE(verdict.first()["detail"].get<std::string>().find("invalid_token"), std::string::npos);
  EXPECT_EQ(verdict.run.out.find(stale), std::string::npos);
}

TEST_F(TokenRegistry, AWrongPasswordIsBadCredentials) {
  auto bad = check(ClientConfig(authsFor(registry_->address(), "ci", "wrong")), {"--image", image()});
  EXPECT_EQ(bad.first()["status"], "bad-credentials") << bad.run.out;
  EXPECT_NE(bad.first()["detail"].get<std::string>().find("token endpoint"), std::string::npos);
}

TEST_F(TokenRegistry, APushThatCannotSucceedIsRefusedBeforeAnyAttemptAndOneThatCanIsVerified) {
  std::string image = registry_->address() + "/team/refused:1";
  ClientConfig reader(authsFor(registry_->address(), "reader", kPassword));
  ASSERT_EQ(runProcess({"/usr/bin/docker", "tag", SHIPSHAPE_TESTAPP_IMAGE, image}, reader.env()).exit_code, 0);
  auto refused = runProcess({SHIPSHAPE_BINARY, "push", image, "--json"}, reader.env(), 60s);
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  json r = json::parse(refused.out, nullptr, false);
  EXPECT_EQ(r["outcome"], "refused");
  EXPECT_EQ(r["check"]["status"], "insufficient-scope");
  EXPECT_TRUE(r["attempts"].empty());

  ClientConfig writer(authsFor(registry_->address(), "ci", kPassword));
  auto pushed = runProcess({SHIPSHAPE_BINARY, "push", image, "--json"}, writer.env(), 120s);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err << registry_->log();
  json p = json::parse(pushed.out);
  EXPECT_EQ(p["outcome"], "pushed");
  EXPECT_EQ(p["attempts"].size(), 1u);
  EXPECT_TRUE(p["registry_digest"].is_string());
  EXPECT_EQ(p["digest"], p["registry_digest"]);
  (void)runProcess({"/usr/bin/docker", "rmi", image}, writer.env());
}

TEST_F(TokenRegistry, ATokenThatExpiresMidPushIsRenewedFromTheHelperAndThePushCompletes) {
  // The registry rejects the first blob upload's bearer token as expired (its own 401 and challenge, through
  // the relay): what a CI push with a short-lived token meets halfway through a big image.
  FaultRelay relay(registry_->port());
  std::string challenge = "Bearer realm=\"" + issuer_->realm() + "\",service=\"" + issuer_->service() +
                          "\",scope=\"repository:team/expiring:pull,push\",error=\"invalid_token\"";
  ClientConfig config(json{{"credHelpers", {{relay.address(), "ci"}}}}.dump());
  // The pipeline's helper: answers from the secrets manager, and counts how often it was asked.
  std::string counter = config.dir() + "/asked";
  config.addHelper("ci", "read server; echo x >> '" + counter +
                             "'; echo '{\"ServerURL\":\"'$server'\",\"Username\":\"ci\",\"Secret\":\"" +
                             std::string(kPassword) + "\"}'");
  auto asked = [&] {
    std::string text = readText(counter);
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  };
  std::string image = relay.address() + "/team/expiring:1";
  ASSERT_EQ(runProcess({"/usr/bin/docker", "tag", SHIPSHAPE_TESTAPP_IMAGE, image}, config.env()).exit_code, 0);

  // The docker CLI stops at the 401.
  relay.addRule({.method = "PUT",
                 .path_contains = "/blobs/uploads/",
                 .fault = FaultRelay::Fault::k401,
                 .times = 1,
                 .www_authenticate = challenge});
  auto plain = runProcess({"/usr/bin/docker", "push", image}, config.env(), 120s);
  EXPECT_NE(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_NE((plain.out + plain.err).find("authentication required"), std::string::npos) << plain.out << plain.err;
  ASSERT_EQ(relay.faultsInjected(), 1);

  // Every blob commit of the first attempt meets the expired token (dockerd uploads layers in parallel and
  // which of them the first one would hit is up to it); then the registry takes the renewed one.
  relay.addRule({.method = "PUT",
                 .path_contains = "/blobs/uploads/",
                 .fault = FaultRelay::Fault::k401,
                 .times = 3,
                 .www_authenticate = challenge});
  int before = asked();
  auto pushed = runProcess({SHIPSHAPE_BINARY, "push", image, "--json", "--backoff", "200ms"}, config.env(), 180s);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err << registry_->log();
  EXPECT_GE(relay.faultsInjected(), 2);
  json result = json::parse(pushed.out);
  EXPECT_EQ(result["outcome"], "pushed");
  ASSERT_GE(result["attempts"].size(), 2u) << result.dump(2);
  EXPECT_EQ(result["attempts"][0]["cause"], "auth") << result.dump(2);
  EXPECT_TRUE(result["attempts"].back()["error"].is_null());
  EXPECT_EQ(result["digest"], result["registry_digest"]);
  // Asked for the check, before every attempt, and for the manifest's HEAD: fresh credentials for each retry.
  EXPECT_EQ(asked() - before, static_cast<int>(result["attempts"].size()) + 2);
  EXPECT_EQ(pushed.out.find(kPassword), std::string::npos);
  EXPECT_EQ(pushed.err.find(kPassword), std::string::npos);
  (void)runProcess({"/usr/bin/docker", "rmi", image}, config.env());
}

TEST_F(TokenRegistry, AnIdentityTokenPastThreeQuartersOfItsLifeIsRenewedByTheHelperAndWorksForDockerPush) {
  ClientConfig config(json{{"credHelpers", {{registry_->address(), "shipshape"}}}}.dump());
  config.addShipshapeHelper();
  std::string helper = config.dir() + "/bin/docker-credential-shipshape";
  auto storeToken = [&](const std::string& token) {
    json entry = {{"ServerURL", registry_->address()}, {"Username", "<token>"}, {"Secret", token}};
    return runProcess({helper, "store"}, config.env(), 10s, entry.dump()).exit_code;
  };
  auto get = [&] { return runProcess({helper, "get"}, config.env(), 30s, registry_->address() + "\n"); };

  // 30 % of its life gone: answered as it is, the token endpoint not asked.
  std::string young = issuer_->makeRefreshToken("ci", 30s, 100s);
  ASSERT_EQ(storeToken(young), 0);
  std::size_t refreshes = issuer_->refreshesServed();
  auto first = get();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(json::parse(first.out)["Secret"], young);
  EXPECT_EQ(issuer_->refreshesServed(), refreshes);

  // 80 % gone: traded at the token endpoint for a new one, which is kept and answered from then on.
  std::string old = issuer_->makeRefreshToken("ci", 80s, 100s);
  ASSERT_EQ(storeToken(old), 0);
  auto renewed = get();
  ASSERT_EQ(renewed.exit_code, 0) << renewed.out << renewed.err;
  json answer = json::parse(renewed.out);
  EXPECT_EQ(answer["Username"], "<token>");
  std::string fresh = answer["Secret"];
  EXPECT_NE(fresh, old);
  EXPECT_EQ(issuer_->refreshesServed(), refreshes + 1);
  std::string stored = readText(config.credentialsDir() + "/credentials.json");
  EXPECT_NE(stored.find(fresh), std::string::npos);
  EXPECT_EQ(stored.find(old), std::string::npos) << "the old token is not kept";
  EXPECT_EQ(json::parse(get().out)["Secret"], fresh) << "a fresh token is not refreshed again";
  EXPECT_EQ(issuer_->refreshesServed(), refreshes + 1);

  // The renewed token is what plain docker push authenticates with (dockerd's own refresh_token grant).
  std::string image = registry_->address() + "/team/renewed:1";
  ASSERT_EQ(runProcess({"/usr/bin/docker", "tag", SHIPSHAPE_TESTAPP_IMAGE, image}, config.env()).exit_code, 0);
  auto push = runProcess({"/usr/bin/docker", "push", image}, config.env(), 120s);
  EXPECT_EQ(push.exit_code, 0) << push.out << push.err << registry_->log();
  EXPECT_GE(issuer_->refreshesServed(), refreshes + 2) << "dockerd used the identity token";
  (void)runProcess({"/usr/bin/docker", "rmi", image}, config.env());

  // A token the endpoint refuses to renew is still answered (valid for the rest of its life), and said why.
  std::string foreign = issuer_->makeRefreshToken("nobody", 90s, 100s);
  ASSERT_EQ(storeToken(foreign), 0);
  auto refused = get();
  EXPECT_EQ(refused.exit_code, 0) << refused.out << refused.err;
  EXPECT_EQ(json::parse(refused.out)["Secret"], foreign);
  EXPECT_NE(refused.err.find("due for renewal"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(foreign), std::string::npos) << "the token is never printed on stderr";
}

// The metrics URL from the guardian's start-up line.
std::string metricsUrl(const std::string& output) {
  auto at = output.find("metrics on http://");
  if (at == std::string::npos) return "";
  at += 18;
  return "http://" + output.substr(at, output.find('/', at) - at) + "/metrics";
}

json registryIncident(const std::string& state_dir, const std::string& registry) {
  auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", state_dir});
  if (run.exit_code != 0) return nullptr;
  for (const auto& i : json::parse(run.out)) {
    if (i["kind"] == "registry-auth" && i["subject"] == registry) return i;
  }
  return nullptr;
}

TEST_F(TokenRegistry, TheGuardianRaisesAnExpiringCredentialAheadAndResolvesItWhenRotated) {
  ScopedTempDir state("registry-watch");
  std::string expiring = issuer_->makeJwt(2h, "rotating");
  issuer_->addUser("rotating", {.password = expiring});
  ClientConfig config(authsFor(registry_->address(), "rotating", expiring));
  std::ofstream(state / "watch.yaml") << "registries:\n  every: 1s\n  expiry_window: 24h\n  check: ["
                                      << registry_->address() << "]\n  docker_config: " << config.dir() << "\n";
  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state.path(), "--autoheal", "off", "--no-proxy",
                           "--config", state / "watch.yaml", "--listen", "127.0.0.1:0", "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return !metricsUrl(watch.output()).empty(); }, 10s)) << watch.output();
  json opened;
  ASSERT_TRUE(
      eventually([&] { return (opened = registryIncident(state.path(), registry_->address())).is_object(); }, 15s))
      << watch.output();
  EXPECT_TRUE(opened["resolved_at"].is_null());
  EXPECT_NE(opened.dump().find("expires-soon"), std::string::npos) << opened.dump();
  auto metrics = httpRequest("GET", metricsUrl(watch.output()));
  ASSERT_TRUE(metrics) << metrics.error().describe();
  std::string expiry = "shipshape_registry_credential_expiry_seconds{registry=\"" + registry_->address() + "\"} ";
  auto at = metrics->body.find(expiry);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  long left = std::stol(metrics->body.substr(at + expiry.size()));
  EXPECT_GT(left, 7000);
  EXPECT_LE(left, 7200);
  EXPECT_NE(
      metrics->body.find("shipshape_registry_up{registry=\"" + registry_->address() + "\",status=\"expires-soon\"} 0"),
      std::string::npos);

  // Rotated (as a secrets manager would: the file replaced whole): the next check resolves the incident.
  issuer_->addUser("rotated", {.password = kPassword});
  std::ofstream(config.dir() + "/config.json.new") << authsFor(registry_->address(), "rotated", kPassword);
  std::filesystem::rename(config.dir() + "/config.json.new", config.dir() + "/config.json");
  json resolved;
  EXPECT_TRUE(eventually(
      [&] {
        resolved = registryIncident(state.path(), registry_->address());
        return resolved.is_object() && !resolved["resolved_at"].is_null();
      },
      15s))
      << watch.output();
  auto after = httpRequest("GET", metricsUrl(watch.output()));
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("shipshape_registry_up{registry=\"" + registry_->address() + "\",status=\"ok\"} 1"),
            std::string::npos)
      << after->body;
  EXPECT_EQ(watch.output().find(kPassword), std::string::npos);
  EXPECT_EQ(watch.output().find(expiring), std::string::npos);
  EXPECT_EQ(watch.stop(SIGTERM, 10s), 0) << watch.output();
}

}  // namespace
}  // namespace shipshape::testing
