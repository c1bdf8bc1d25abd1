#include "store/release_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "store/incident_store.h"
#include "support/fixtures.h"

namespace shipshape::store {
namespace {

class ReleaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/ss-releases-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

Release release(const std::string& image, const std::string& outcome) {
  Release r;
  r.service = "web";
  r.image = image;
  r.digest = "sha256:" + image;
  r.image_id = "sha256:" + image;
  r.outcome = outcome;
  r.started_at_ms = 1000;
  return r;
}

TEST_F(ReleaseStoreTest, KeepsEveryReleaseWithItsOutcomeAndGate) {
  auto store = ReleaseStore::open(dir_);
  ASSERT_TRUE(store) << store.error().describe();
  auto id = (*store)->add(release("v1", kInProgress));
  ASSERT_TRUE(id);
  Release r = *(*store)->get(*id);
  r.outcome = kPromoted;
  r.switched_at_ms = 2000;
  r.finished_at_ms = 2500;
  r.gate = {{"container-health", true, 2100, "healthy"}, {"http-probe", true, 1000, "3 x GET /health"}};
  ASSERT_TRUE((*store)->update(r));
  Release back = *(*store)->get(*id);
  EXPECT_EQ(back.outcome, kPromoted);
  EXPECT_EQ(back.switched_at_ms, 2000);
  EXPECT_FALSE(back.detect_ms.has_value());
  ASSERT_EQ(back.gate.size(), 2u);
  EXPECT_EQ(back.gate[1].detail, "3 x GET /health");

  ASSERT_TRUE((*store)->add(release("v2", kFailed)));
  ASSERT_TRUE((*store)->add(release("v3", kSuperseded)));
  auto all = (*store)->list("web");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].image, "v2");
  EXPECT_TRUE((*store)->list("other")->empty());
  EXPECT_EQ((*(*store)->current("web"))->image, "v1");
  auto good = (*store)->knownGood("web");
  ASSERT_EQ(good->size(), 2u);
  EXPECT_EQ(good->front().image, "v3");  // newest first
  EXPECT_FALSE((*store)->update(Release{.id = 999}));
}

TEST_F(ReleaseStoreTest, SharesTheDatabaseWithIncidentsAndKeepsServices) {
  auto incidents = IncidentStore::open(dir_);
  ASSERT_TRUE(incidents);
  auto store = ReleaseStore::open(dir_);
  ASSERT_TRUE(store);
  EXPECT_EQ((*incidents)->path(), dir_ + "/shipshape.db");
  ServiceRecord s{"web", "compose:/x/compose.yaml", "127.0.0.1:8000", 8080, "/health", "{}", 1};
  ASSERT_TRUE((*store)->putService(s));
  s.listen = "127.0.0.1:9000";
  ASSERT_TRUE((*store)->putService(s));
  auto back = (*store)->service("web");
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->listen, "127.0.0.1:9000");
  EXPECT_EQ((*store)->services()->size(), 1u);
  EXPECT_FALSE(*(*store)->service("nope"));
}

TEST_F(ReleaseStoreTest, StateIsPrivateAndEnvSecretsAreSealedAtRest) {
  const std::string secret = "hunter2-very-secret";
  {
    auto store = ReleaseStore::open(dir_);
    ASSERT_TRUE(store) << store.error().describe();
    Release r = release("a", kPromoted);
    r.spec_json = R"({"Image":"sha256:a","Env":["DB_PASSWORD=)" + secret + R"(","MODE=prod"]})";
    auto id = (*store)->add(r);
    ASSERT_TRUE(id);
    ServiceRecord svc{"web", "test", "127.0.0.1:8080", 80, "/", R"({"create":{"Env":["API_TOKEN=)" + secret + R"("]}})",
                      1};
    ASSERT_TRUE((*store)->putService(svc));
    auto back = (*store)->get(*id);
    ASSERT_TRUE(back) << back.error().describe();
    EXPECT_NE(back->spec_json.find("DB_PASSWORD=" + secret), std::string::npos) << "a rollback needs the value";
    auto s = (*store)->service("web");
    ASSERT_TRUE(s && *s);
    EXPECT_NE((*s)->definition_json.find("API_TOKEN=" + secret), std::string::npos);
    for (const char* f : {"/shipshape.db", "/shipshape.db-wal"}) {
      EXPECT_EQ(testing::readText(dir_ + f).find(secret), std::string::npos) << f << " holds the secret in clear";
    }
  }
  namespace fs = std::filesystem;
  auto mode = [](const std::string& p) { return fs::status(p).permissions() & fs::perms::all; };
  EXPECT_EQ(mode(dir_), fs::perms::owner_all);
  EXPECT_EQ(mode(dir_ + "/shipshape.db"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mode(dir_ + "/ledger.key"), fs::perms::owner_read | fs::perms::owner_write);

  // Another key cannot open the sealed values: an error that says so, not a container without its secrets.
  fs::remove(dir_ + "/ledger.key");
  auto other = ReleaseStore::open(dir_);
  ASSERT_TRUE(other);
  auto rows = (*other)->list("web");
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().describe().find("ledger.key"), std::string::npos) << rows.error().describe();
}

}  // namespace
}  // namespace shipshape::store
