// The journald reader against real journal files, written by systemd's own journal writer
// (systemd-journal-remote, from Debian's systemd-journal-remote package) in export format.
#include "daemonwatch/journal_follower.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemonwatch/daemon_log_watch.h"
#include "support/process.h"

namespace shipshape::daemonwatch {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWriter = "/lib/systemd/systemd-journal-remote";

class Journal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/ss-journal-" + std::to_string(::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(fs::exists(kWriter)) << kWriter << " is needed (scripts/install-deps installs systemd-journal-remote)";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Appends one entry for `unit` through the journal's own writer.
  void append(const std::string& unit, const std::string& message) {
    static std::int64_t t = 1795676000000000;
    t += 1000;
    std::string entry = "__REALTIME_TIMESTAMP=" + std::to_string(t) +
                        "\n__MONOTONIC_TIMESTAMP=" + std::to_string(t / 1000) +
                        "\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_MACHINE_ID=0123456789abcdef0123456789abcdef\n"
                        "_HOSTNAME=node-1\n_SYSTEMD_UNIT=" +
                        unit + "\nMESSAGE=" + message + "\n\n";
    std::string input = dir_ + "/entry.export";
    { std::ofstream(input) << entry; }
    auto run = testing::runProcess({kWriter, "--output=" + dir_ + "/system.journal", input});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    fs::remove(input);
  }
  std::string dir_;
};

TEST_F(Journal, ReadsTheUnitsBacklogThenWhatIsAppended) {
  append("docker.service", "API listen on /run/docker.sock");
  append("ssh.service", "error creating overlay mount to /x/merged: no such file or directory");
  auto follower = JournalFollower::open("docker.service", dir_, 10);
  ASSERT_TRUE(follower) << follower.error().describe();
  EXPECT_EQ((*follower)->describe(), "journald:docker.service@" + dir_);
  auto first = (*follower)->poll();
  ASSERT_EQ(first.size(), 1u) << "only docker.service's entries";
  EXPECT_EQ(first[0], "API listen on /run/docker.sock");
  EXPECT_TRUE((*follower)->poll().empty());
  append("docker.service", "second line");
  auto next = (*follower)->poll();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0], "second line");
}

TEST_F(Journal, ASignatureInTheJournalOpensADiagnosedIncident) {
  append("docker.service", "starting up");
  auto source = openLogSource("journald:docker.service@" + dir_);
  ASSERT_TRUE(source) << source.error().describe();
  auto store = store::IncidentStore::open(dir_ + "/state");
  ASSERT_TRUE(store);
  std::int64_t now = 5000;
  DaemonLogWatch watch(std::move(*source), **store, [&] { return now; });
  watch.poll();
  append("docker.service",
         "time=\"2026-11-26T07:00:00Z\" level=error msg=\"Handler for POST /containers/x/start returned error: error "
         "creating overlay mount to /var/lib/docker/overlay2/abc/merged: no such file or directory\"");
  watch.poll();
  auto open = (*store)->findOpen("daemon-overlay2-mount-missing-layer", "daemon");
  ASSERT_TRUE(open && *open) << "no incident from the journal line";
  EXPECT_EQ((*open)->subject_id, "journald:docker.service@" + dir_);
}

TEST(JournalSource, AFileSpecIsFollowedAsAFile) {
  auto source = openLogSource("/var/log/nonexistent-docker.log");
  ASSERT_TRUE(source);
  EXPECT_EQ((*source)->describe(), "/var/log/nonexistent-docker.log");
  EXPECT_TRUE((*source)->poll().empty()) << "a file that does not exist yet is waited for";
}

}  // namespace
}  // namespace shipshape::daemonwatch
