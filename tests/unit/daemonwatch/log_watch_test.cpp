#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemonwatch/log_follower.h"
#include "daemonwatch/log_signatures.h"

namespace shipshape::daemonwatch {
namespace {

std::string idOf(const std::string& line) {
  const LogSignature* s = matchLogLine(line);
  return s ? std::string(s->id) : "";
}

TEST(LogSignatures, KnownFailuresFromTheReference) {
  EXPECT_EQ(
      idOf(
          R"(time="2026-11-26T05:00:00Z" level=error msg="Handler for POST /v1.41/containers/abc/start returned error: error creating overlay mount to /var/lib/docker/overlay2/4f2a/merged: no such file or directory")"),
      "overlay2-mount-missing-layer");
  EXPECT_EQ(idOf("Error starting daemon: layer does not exist"), "layer-missing");
  EXPECT_EQ(idOf("readlink /var/lib/docker/overlay2/l/ABCDEF: no such file or directory"), "overlay2-short-link-lost");
  EXPECT_EQ(
      idOf("failed to register layer: Error processing tar file(exit status 1): write /x: no space left on device"),
      "no-space");
  EXPECT_EQ(idOf(R"(failed to dial "/run/containerd/containerd.sock": context deadline exceeded: connection refused)"),
            "containerd-unreachable");
  EXPECT_EQ(idOf("failed to start containerd: timeout waiting for containerd to start"), "containerd-unreachable");
  EXPECT_EQ(idOf("adding interface veth12 to bridge docker0 failed: could not find bridge docker0"), "bridge-missing");
  EXPECT_EQ(idOf("driver failed programming external connectivity on endpoint web: iptables: No chain/target/match by "
                 "that name."),
            "iptables-chains-flushed");
  EXPECT_EQ(idOf(R"(level=info msg="cleaning up after shim disconnected" id=abc)"), "shim-disconnected");
}

TEST(LogSignatures, OrdinaryLinesDoNotMatch) {
  EXPECT_EQ(idOf(R"(level=info msg="Loading containers: done.")"), "");
  EXPECT_EQ(idOf(R"(level=info msg="API listen on /var/run/docker.sock")"), "");
  EXPECT_EQ(idOf(R"(level=info msg="layer sha256:abc cleaned up")"), "");
}

TEST(LogSignatures, EveryEntryIsComplete) {
  for (const auto& s : logSignatures()) {
    EXPECT_FALSE(s.id.empty());
    EXPECT_FALSE(s.diagnosis.empty()) << s.id;
    EXPECT_FALSE(s.runbook.empty()) << s.id;
    EXPECT_GE(s.burst, 1) << s.id;
  }
}

TEST(LogFollower, ReadsAppendsPartialLinesAndRotation) {
  std::string path = ::testing::TempDir() + "/ss-follow-" + std::to_string(::getpid()) + ".log";
  std::filesystem::remove(path);
  LogFollower f(path, 10);
  EXPECT_TRUE(f.poll().empty()) << "a missing file is not an error";
  std::ofstream(path) << "old line that is long\nrecent\n";
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"recent"})) << "only the backlog's complete lines";
  { std::ofstream(path, std::ios::app) << "one\ntw"; }
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"one"}));
  { std::ofstream(path, std::ios::app) << "o\n"; }
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"two"}));
  std::filesystem::remove(path);
  std::ofstream(path) << "after rotation\n";
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"after rotation"}));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace shipshape::daemonwatch
