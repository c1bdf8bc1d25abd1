#include <gtest/gtest.h>

#include "common/base64.h"
#include "registry/challenge.h"
#include "registry/check.h"
#include "registry/credential_store.h"
#include "registry/credentials.h"
#include "registry/docker_config.h"
#include "registry/push.h"
#include "registry/token_refresh.h"
#include "support/scoped.h"

#include <filesystem>
#include <fstream>

namespace shipshape::registry {
namespace {

TEST(Challenge, BearerWithQuotedCommasAndError) {
  Challenge c = parseChallenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="insufficient_scope")");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "https://auth.example/token");
  EXPECT_EQ(c.param("service"), "registry.example");
  EXPECT_EQ(c.param("scope"), "repository:a/b:pull,push");
  EXPECT_EQ(c.param("error"), "insufficient_scope");
}

TEST(Challenge, BasicAndEmpty) {
  EXPECT_EQ(parseChallenge(R"(Basic realm="Registry Realm")").scheme, "basic");
  EXPECT_EQ(parseChallenge(R"(Basic realm="Registry Realm")").param("realm"), "Registry Realm");
  EXPECT_EQ(parseChallenge("").scheme, "");
  EXPECT_EQ(parseChallenge(R"(Bearer realm="a\"b")").param("realm"), "a\"b");
}

std::string jwt(const std::string& claims) {
  auto url = [](std::string s) {
    for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
  };
  return url(base64Encode(R"({"alg":"RS256"})")) + "." + url(base64Encode(claims)) + ".sig";
}

TEST(Jwt, ExpiryAndActions) {
  std::string token =
      jwt(R"({"exp":1900000000,"access":[{"type":"repository","name":"team/app","actions":["pull"]}]})");
  EXPECT_EQ(jwtExpiry(token), 1900000000);
  auto actions = jwtActions(token, "team/app");
  ASSERT_TRUE(actions);
  EXPECT_EQ(*actions, std::vector<std::string>{"pull"});
  EXPECT_TRUE(jwtActions(token, "other")->empty());
  EXPECT_FALSE(jwtExpiry("not-a-jwt"));
  EXPECT_FALSE(jwtExpiry("a.%%%.c"));
}

TEST(Jwt, AnIdentityTokenIsDueForRenewalAtThreeQuartersOfItsLifetime) {
  std::string token = jwt(R"({"iat":1000,"exp":2000})");
  EXPECT_EQ(jwtIssuedAt(token), 1000);
  EXPECT_FALSE(refreshDue(token, 1000));
  EXPECT_FALSE(refreshDue(token, 1749));
  EXPECT_TRUE(refreshDue(token, 1750));
  EXPECT_TRUE(refreshDue(token, 5000)) << "past its expiry it is still worth asking";
  EXPECT_TRUE(refreshDue(token, 1500, 0.5));
  EXPECT_FALSE(refreshDue(jwt(R"({"exp":2000})"), 1999)) << "no iat: the lifetime is unknown";
  EXPECT_FALSE(refreshDue(jwt(R"({"iat":2000,"exp":2000})"), 2001));
  EXPECT_FALSE(refreshDue("an-opaque-token", 1 << 30));
}

TEST(TokenResponse, ExpiryFromJwtElseExpiresInElseSixtySeconds) {
  auto a = parseTokenResponse(R"({"token":")" + jwt(R"({"exp":1900000000})") + R"(","expires_in":300})", 1000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->expires_at, 1900000000);
  auto b = parseTokenResponse(R"({"access_token":"opaque","expires_in":300,"issued_at":"2026-12-01T00:00:00Z"})", 5);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->token, "opaque");
  EXPECT_EQ(b->expires_at, 1796083200 + 300);
  auto c = parseTokenResponse(R"({"token":"opaque"})", 1000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires_at, 1060);
  EXPECT_FALSE(parseTokenResponse(R"({"nothing":1})", 0));
  EXPECT_FALSE(parseTokenResponse("<html>", 0));
}

TEST(DockerConfig, NamesAsTheCliReadsThem) {
  EXPECT_EQ(normalizeRegistry("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalizeRegistry("http://127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(normalizeRegistry("Registry.Example.COM/v2/"), "registry.example.com");
  EXPECT_EQ(registryOfImage("nginx:1.25"), "docker.io");
  EXPECT_EQ(registryOfImage("team/app"), "docker.io");
  EXPECT_EQ(registryOfImage("localhost/app"), "localhost");
  EXPECT_EQ(registryOfImage("127.0.0.1:5000/team/app:1"), "127.0.0.1:5000");
  EXPECT_EQ(repositoryOfImage("127.0.0.1:5000/team/app:1"), "team/app");
  EXPECT_EQ(repositoryOfImage("127.0.0.1:5000/app@sha256:abc"), "app");
  EXPECT_EQ(repositoryOfImage("nginx"), "library/nginx");
  EXPECT_EQ(repositoryOfImage("docker.io/team/app:2"), "team/app");
  EXPECT_EQ(credentialKey("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(credentialKey("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_TRUE(isInsecureByDefault("127.0.0.1:5000"));
  EXPECT_TRUE(isInsecureByDefault("localhost:5000"));
  EXPECT_FALSE(isInsecureByDefault("registry.example.com"));
  EXPECT_FALSE(isInsecureByDefault("10.0.0.1:5000"));
}

TEST(DockerConfig, ResolutionOrderHelpersThenStoreThenAuths) {
  testing::ScopedTempDir dir("docker-config");
  std::ofstream(dir / "config.json") << R"({
    "auths": {"https://index.docker.io/v1/": {"auth": ")"
                                     << base64Encode("hub:pw") << R"("},
              "http://127.0.0.1:5000/": {"auth": ")"
                                     << base64Encode("u:p:with:colons") << R"("},
              "ghcr.io": {"identitytoken": "refresh"}},
    "credHelpers": {"registry.example.com": "nosuchhelper"}})";
  auto config = loadDockerConfig(dir.path());
  ASSERT_TRUE(config) << config.error().describe();
  auto hub = lookupCredential(*config, "docker.io", std::chrono::seconds(1));
  EXPECT_EQ(hub.credential.source, "config");
  EXPECT_EQ(hub.credential.username, "hub");
  auto local = lookupCredential(*config, "127.0.0.1:5000", std::chrono::seconds(1));
  EXPECT_EQ(local.credential.secret, "p:with:colons");
  EXPECT_EQ(lookupCredential(*config, "ghcr.io", std::chrono::seconds(1)).credential.kind, SecretKind::kIdentityToken);
  auto helped = lookupCredential(*config, "registry.example.com", std::chrono::seconds(1));
  EXPECT_EQ(helped.problem, CredentialLookup::Problem::kHelperMissing);
  EXPECT_EQ(helped.credential.source, "helper:nosuchhelper");
  EXPECT_EQ(configuredRegistries(*config),
            (std::vector<std::string>{"127.0.0.1:5000", "docker.io", "ghcr.io", "registry.example.com"}));
}

TEST(DockerConfig, BadInputNamesTheFileAndKey) {
  testing::ScopedTempDir dir("docker-config");
  EXPECT_TRUE(loadDockerConfig(dir.path()));  // no file: nothing configured
  std::ofstream(dir / "config.json") << R"({"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}})";  // "nocolon"
  auto bad = loadDockerConfig(dir.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("auths[\"r.example\"].auth"), std::string::npos) << bad.error().message;
  std::ofstream(dir / "config.json") << "{";
  auto broken = loadDockerConfig(dir.path());
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find(dir / "config.json"), std::string::npos);
}

TEST(CredentialStore, StoresPrivatelyMatchesUrlFormsAndRefusesAReadableFile) {
  testing::ScopedTempDir dir("credential-store");
  CredentialStore store(dir / "creds");
  ASSERT_TRUE(store.store({"https://index.docker.io/v1/", "hub", "pw1", ""}));
  ASSERT_TRUE(store.store({"127.0.0.1:5000", "ci", "pw2", ""}));
  auto hub = store.get("docker.io");
  ASSERT_TRUE(hub && *hub);
  EXPECT_EQ((*hub)->secret, "pw1");
  auto local = store.get("http://127.0.0.1:5000/");
  ASSERT_TRUE(local && *local);
  EXPECT_EQ((*local)->username, "ci");
  EXPECT_FALSE(*store.get("ghcr.io"));
  EXPECT_TRUE(*store.erase("https://127.0.0.1:5000"));
  EXPECT_FALSE(*store.erase("127.0.0.1:5000"));
  EXPECT_EQ(store.list()->size(), 1u);
  std::filesystem::permissions(dir / "creds/credentials.json", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  auto refused = store.get("docker.io");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("mode 640"), std::string::npos) << refused.error().message;
}

TEST(Push, ErrorsAreRetriedOnlyWhereAnotherAttemptCanHelp) {
  struct Case {
    const char* message;
    const char* cause;
    bool retryable;
  } cases[] = {
      {"received unexpected HTTP status: 503 Service Unavailable", "server", true},
      {"received unexpected HTTP status: 502 Bad Gateway", "server", true},
      {"toomanyrequests: rate limit exceeded", "server", true},
      {"Put \"http://r/v2/a/manifests/1\": read tcp 1->2: read: connection reset by peer", "transport", true},
      {"Patch \"http://r/v2/a/blobs/uploads/x\": EOF", "transport", true},
      {"unauthorized: authentication required", "auth", true},
      {"error parsing HTTP 401 response body: invalid_token", "auth", true},
      {"denied: requested access to the resource is denied", "denied", false},
      {"insufficient_scope: authorization failed", "denied", false},
      {"unknown: repository name not known to registry", "denied", false},
      {"An image does not exist locally with the tag: r/a", "denied", false},
      {"something nobody has seen", "other", false},
  };
  for (const auto& c : cases) {
    auto k = classifyPushError(c.message);
    EXPECT_EQ(k.cause, c.cause) << c.message;
    EXPECT_EQ(k.retryable, c.retryable) << c.message;
  }
}

TEST(Push, TallyCountsEachLayersBytesOnceAndAPushedLayerWhole) {
  // The engine's push stream as docker.io 20.10.24 sent it for the testapp image to a loopback registry
  // (recorded; the progress bars shortened). A layer's count may pass its announced total; a small layer
  // comes without a total.
  PushTally t;
  EXPECT_FALSE(t.add(R"({"status":"The push refers to repository [127.0.0.1:5999/probe]"})"));
  EXPECT_FALSE(t.add(R"({"status":"Preparing","progressDetail":{},"id":"062c9a870626"})"));
  EXPECT_FALSE(t.add(R"({"status":"Preparing","progressDetail":{},"id":"a3a2d20d3580"})"));
  EXPECT_TRUE(t.add(
      R"({"status":"Pushing","progressDetail":{"current":33280,"total":1964256},"progress":"[>  ]  33.28kB/1.964MB","id":"a3a2d20d3580"})"));
  EXPECT_TRUE(
      t.add(R"({"status":"Pushing","progressDetail":{"current":1536},"progress":" 1.536kB","id":"062c9a870626"})"));
  EXPECT_EQ(t.done(), 33280 + 1536);
  EXPECT_EQ(t.total(), 1964256 + 1536);
  EXPECT_TRUE(t.add(R"({"status":"Pushed","progressDetail":{},"id":"062c9a870626"})"));
  EXPECT_TRUE(t.add(
      R"({"status":"Pushing","progressDetail":{"current":1671680,"total":1964256},"progress":"[==>  ]","id":"a3a2d20d3580"})"));
  EXPECT_EQ(t.done(), 1671680 + 1536);  // the layer's later count replaces its earlier one
  EXPECT_TRUE(t.add(
      R"({"status":"Pushing","progressDetail":{"current":1966080,"total":1964256},"progress":"[===>]","id":"a3a2d20d3580"})"));
  EXPECT_TRUE(t.add(R"({"status":"Pushed","progressDetail":{},"id":"a3a2d20d3580"})"));
  EXPECT_EQ(t.done(), t.total());
  EXPECT_EQ(t.total(), 1966080 + 1536);
  EXPECT_FALSE(t.add(R"({"status":"1: digest: sha256:b3587917e6d7 size: 734"})"));
  EXPECT_FALSE(t.add(R"({"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:b3587917e6d7","Size":734}})"));
  EXPECT_FALSE(t.add(R"({"status":"Layer already exists","progressDetail":{},"id":"ccc"})"));
  EXPECT_FALSE(t.add("not json"));
  t.reset();
  EXPECT_EQ(t.done(), 0);
  EXPECT_EQ(t.total(), 0);
}

TEST(Push, RegistryAuthHeaderIsBase64UrlJsonOfTheCredential) {
  Credential password{.source = "config", .username = "ci", .secret = "p?>/+", .kind = SecretKind::kPassword};
  std::string header = registryAuthHeader(password, "127.0.0.1:5000");
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos) << header;
  auto decoded = base64Decode(header);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, R"({"password":"p?>/+","serveraddress":"127.0.0.1:5000","username":"ci"})");
  Credential refresh{.username = "<token>", .secret = "rt", .kind = SecretKind::kIdentityToken};
  EXPECT_EQ(*base64Decode(registryAuthHeader(refresh, "r")), R"({"identitytoken":"rt","serveraddress":"r"})");
}

}  // namespace
}  // namespace shipshape::registry
