// Two deploys racing for the same service: the "is a release baking" check and the claim of the bake are one
// critical section in the proxy host, so exactly one switch wins and the others get 409.
#include "deploy/proxy_host.h"

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/format.h"
#include "deploy/admin_client.h"
#include "deploy/service_spec.h"
#include "store/incident_store.h"
#include "store/release_store.h"
#include "support/scoped.h"

namespace shipshape::deploy {
namespace {

TEST(ProxyHost, ConcurrentSwitchesOnlyOneWins) {
  testing::ScopedTempDir dir("proxy-host");
  auto releases = store::ReleaseStore::open(dir.path());
  auto incidents = store::IncidentStore::open(dir.path());
  ASSERT_TRUE(releases && incidents);
  ServiceDefinition def;
  def.name = "web";
  def.source = "test";
  def.create = {{"Image", "none"}};
  def.settings.listen = "127.0.0.1:0";
  def.settings.port = 9;
  auto record = toRecord(def);
  ASSERT_TRUE((*releases)->putService(record));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 17; ++i) {
    store::Release r;
    r.service = "web";
    r.image = "img:" + std::to_string(i);
    r.container_id = "c" + std::to_string(i);
    r.started_at_ms = nowMs();
    auto id = (*releases)->add(r);
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  // No engine behind this host: the race is in the admin API, not in Docker.
  auto host =
      ProxyHost::start({.state_dir = dir.path(), .docker_host = "unix://" + dir / "no-engine.sock", .threads = 1},
                       **releases, **incidents);
  ASSERT_TRUE(host) << host.error().describe();
  AdminClient admin(adminSocketPath(dir.path()));
  // Release 1 first: nothing to bake against, it passes at once.
  ASSERT_TRUE(admin.call("POST", "/v1/services/web/switch",
                         {{"release_id", ids[0]}, {"host", "127.0.0.1"}, {"port", 9}, {"bake_ms", 0}}));
  // Then sixteen deploys at once, each asking for a long bake.
  std::atomic<int> won{0}, refused{0};
  std::latch ready(16);
  {
    std::vector<std::jthread> racers;
    for (int i = 1; i < 17; ++i) {
      racers.emplace_back([&, i] {
        AdminClient own(adminSocketPath(dir.path()));
        ready.arrive_and_wait();
        auto r = own.call(
            "POST", "/v1/services/web/switch",
            {{"release_id", ids[static_cast<std::size_t>(i)]}, {"host", "127.0.0.1"}, {"port", 9}, {"bake_ms", 60000}});
        ++(r ? won : refused);
      });
    }
  }
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), 15);
  host->reset();
}

}  // namespace
}  // namespace shipshape::deploy
