#include "docker/endpoint.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace shipshape::docker {
namespace {

TEST(ResolveEndpoint, DefaultsToTheLocalSocket) {
  auto e = resolveEndpoint({});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(e->socket_path, "/var/run/docker.sock");
  EXPECT_EQ(e->display(), "unix:///var/run/docker.sock");
  EXPECT_EQ(e->urlBase(), "http://localhost");
}

TEST(ResolveEndpoint, UnixPathFromDockerHost) {
  auto e = resolveEndpoint({.host = "unix:///run/user/1000/docker.sock"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->socket_path, "/run/user/1000/docker.sock");
}

TEST(ResolveEndpoint, TcpWithAndWithoutPort) {
  auto e = resolveEndpoint({.host = "tcp://10.0.0.5:2375"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(e->host, "10.0.0.5");
  EXPECT_EQ(e->port, 2375);
  EXPECT_EQ(e->urlBase(), "http://10.0.0.5:2375");
  auto d = resolveEndpoint({.host = "tcp://docker.internal"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 2375);
}

TEST(ResolveEndpoint, Ipv6Literal) {
  auto e = resolveEndpoint({.host = "tcp://[::1]:2375"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->urlBase(), "http://[::1]:2375");
}

TEST(ResolveEndpoint, TlsVerifyUsesCertPathAndPort2376) {
  auto dir = std::filesystem::temp_directory_path() / "ss-endpoint-test";
  std::filesystem::create_directories(dir);
  for (const char* f : {"ca.pem", "cert.pem", "key.pem"}) std::ofstream(dir / f) << "x";
  auto e = resolveEndpoint({.host = "tcp://build-host", .tls_verify = true, .cert_path = dir.string()});
  ASSERT_TRUE(e) << e.error().describe();
  EXPECT_TRUE(e->tls);
  EXPECT_TRUE(e->tls_verify);
  EXPECT_EQ(e->port, 2376);
  EXPECT_EQ(e->ca_file, (dir / "ca.pem").string());
  EXPECT_EQ(e->cert_file, (dir / "cert.pem").string());
  EXPECT_EQ(e->urlBase(), "https://build-host:2376");
  std::filesystem::remove_all(dir);
}

TEST(ResolveEndpoint, TlsVerifyWithoutCaIsAClearError) {
  auto e = resolveEndpoint({.host = "tcp://h:2376", .tls_verify = true, .cert_path = "/nonexistent/certs"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.error().message.find("/nonexistent/certs/ca.pem"), std::string::npos) << e.error().message;
}

TEST(ResolveEndpoint, DefaultCertPathIsHomeDotDocker) {
  auto e = resolveEndpoint({.host = "tcp://h", .tls = true, .home = "/nonexistent-home"});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->tls);
  EXPECT_FALSE(e->tls_verify);
  EXPECT_TRUE(e->ca_file.empty()) << "a missing CA is fine without verification";
}

TEST(ResolveEndpoint, RejectsUnsupportedSchemesAndPorts) {
  auto ssh = resolveEndpoint({.host = "ssh://admin@host"});
  ASSERT_FALSE(ssh);
  EXPECT_EQ(ssh.error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(resolveEndpoint({.host = "ftp://host"}));
  EXPECT_FALSE(resolveEndpoint({.host = "tcp://host:99999"}));
  EXPECT_FALSE(resolveEndpoint({.host = "tcp://host:abc"}));
}

}  // namespace
}  // namespace shipshape::docker
