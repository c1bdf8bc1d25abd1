#include "daemonwatch/disk_watch.h"

#include <filesystem>

#include <gtest/gtest.h>
#include "support/scoped.h"

namespace shipshape::daemonwatch {
namespace {

TEST(DiskWatch, OpensPastTheThresholdAndClosesBelowTheHysteresis) {
  ::shipshape::testing::ScopedTempDir dir_holder("disk");  // removed even when an assertion fails
  const std::string& dir = dir_holder.path();
  auto store = store::IncidentStore::open(dir);
  ASSERT_TRUE(store);
  std::int64_t now = 1000;
  DiskUse use{0.50, 0.10, 10ull << 30};
  DiskWatch watch(
      **store, [&] { return now; }, 0.90, 0.05, [&](const std::string&) { return std::optional(use); });

  watch.check("/var/lib/docker");
  EXPECT_FALSE(watch.full());
  use.inode_ratio = 0.93;  // inodes run out before bytes
  now = 2000;
  watch.check("/var/lib/docker");
  ASSERT_TRUE(watch.full());
  auto open = (*store)->findOpen("data-root-full", "daemon");
  ASSERT_TRUE(open && *open);
  EXPECT_NE((*open)->situation.find("93.0% of inodes"), std::string::npos) << (*open)->situation;
  use.inode_ratio = 0.88;  // below the threshold but inside the hysteresis: still an incident
  watch.check("/var/lib/docker");
  EXPECT_TRUE(watch.full());
  use.inode_ratio = 0.80;
  now = 9000;
  watch.check("/var/lib/docker");
  EXPECT_FALSE(watch.full());
  auto all = (*store)->list();
  ASSERT_EQ(all->size(), 1u) << "one incident for the whole episode";
  EXPECT_EQ((*all)[0].resolved_at_ms, 9000);
  EXPECT_EQ((*all)[0].downtimeMs(), 7000);
}

TEST(DiskWatch, StatvfsReadsARealFilesystem) {
  auto use = statvfsDiskUse("/");
  ASSERT_TRUE(use);
  EXPECT_GT(use->used_ratio, 0.0);
  EXPECT_LT(use->used_ratio, 1.0);
  EXPECT_FALSE(statvfsDiskUse("/no/such/path"));
}

}  // namespace
}  // namespace shipshape::daemonwatch
