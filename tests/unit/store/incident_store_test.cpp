#include "store/incident_store.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace shipshape::store {
namespace {

class IncidentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/ss-store-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

Incident sample(const std::string& subject) {
  Incident i;
  i.kind = "unhealthy";
  i.subject = subject;
  i.subject_id = "abc123";
  i.situation = "3 failed health checks";
  i.task = "restore it";
  i.started_at_ms = 1000;
  i.detected_at_ms = 1250;
  i.actions.push_back({1300, "restart", "restarted", "ok", true, 700});
  return i;
}

TEST_F(IncidentStoreTest, RecordsActionsAndMeasuresTimes) {
  auto store = IncidentStore::open(dir_);
  ASSERT_TRUE(store) << store.error().describe();
  EXPECT_EQ((*store)->changes(), 0u);
  auto id = (*store)->openIncident(sample("web-1"));
  ASSERT_TRUE(id) << id.error().describe();
  ASSERT_TRUE((*store)->addAction(*id, {2100, "restart", "restarted again", "ok", true, 650}));
  EXPECT_EQ((*store)->changes(), 2u) << "opening and acting are both changes (the dashboard reloads on them)";
  auto open = (*store)->findOpen("unhealthy", "web-1");
  ASSERT_TRUE(open && *open);
  EXPECT_EQ((*open)->id, *id);
  ASSERT_TRUE((*store)->resolve(*id, 5250, "healthy again"));
  auto done = (*store)->get(*id);
  ASSERT_TRUE(done) << done.error().describe();
  EXPECT_EQ(done->timeToDetectMs(), 250);
  EXPECT_EQ(done->timeToRecoverMs(), 4000);
  EXPECT_EQ(done->downtimeMs(), 4250);
  ASSERT_EQ(done->actions.size(), 2u);
  EXPECT_EQ(done->actions[1].description, "restarted again");
  EXPECT_EQ(done->result, "healthy again");
  auto none = (*store)->findOpen("unhealthy", "web-1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none) << "a resolved incident is no longer open";
  EXPECT_EQ((*store)->changes(), 3u);
  EXPECT_TRUE((*store)->resolve(*id, 9999, "again")) << "resolving twice is harmless";
  EXPECT_EQ((*store)->changes(), 3u) << "and changes nothing";
  EXPECT_EQ((*store)->get(*id)->resolved_at_ms, 5250) << "and keeps the first resolution";
}

TEST_F(IncidentStoreTest, SurvivesReopeningAndFilters) {
  {
    auto store = IncidentStore::open(dir_);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->openIncident(sample("web-1")));
    ASSERT_TRUE((*store)->openIncident(sample("db")));
  }
  auto store = IncidentStore::open(dir_);
  ASSERT_TRUE(store);
  auto all = (*store)->list();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  auto db = (*store)->list({.subject = "db"});
  ASSERT_EQ(db->size(), 1u);
  EXPECT_EQ((*db)[0].actions.size(), 1u);
  EXPECT_TRUE((*store)->list({.since_ms = 5000})->empty());
  auto missing = (*store)->get(42);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(IncidentStoreTest, AContainerFilterFindsHostIncidentsNamingItAndListenersHearEverything) {
  auto store = IncidentStore::open(dir_);
  ASSERT_TRUE(store);
  std::vector<std::pair<std::string, bool>> heard;
  (*store)->setListener([&](const Incident& i, bool resolved) { heard.emplace_back(i.kind, resolved); });
  Incident starving = sample("host");
  starving.kind = "cpu-starvation";
  starving.situation = "host CPU 99% busy across 4 cores for 10 s; hog uses 3.90 cores (97% of the host's use)";
  auto id = (*store)->openIncident(starving);
  ASSERT_TRUE(id);
  ASSERT_TRUE((*store)->openIncident(sample("web-1")));
  EXPECT_EQ((*store)->list({.subject = "hog"})->size(), 1u) << "the offender named in a host incident";
  EXPECT_EQ((*store)->list({.subject = "web-1"})->size(), 1u);
  EXPECT_TRUE((*store)->list({.subject = "ho"})->empty()) << "a name, not a substring of one";
  EXPECT_TRUE((*store)->list({.subject = "g"})->empty());
  ASSERT_TRUE((*store)->resolve(*id, 20000, "back to 40%"));
  ASSERT_TRUE((*store)->resolve(*id, 30000, "twice"));
  ASSERT_EQ(heard.size(), 3u) << "opened, opened, resolved once";
  EXPECT_EQ(heard[2], std::make_pair(std::string("cpu-starvation"), true));
}

TEST_F(IncidentStoreTest, UnwritableDirectoryIsAClearError) {
  auto store = IncidentStore::open("/proc/ss-cannot-create-here");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("/proc/ss-cannot-create-here"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace shipshape::store
