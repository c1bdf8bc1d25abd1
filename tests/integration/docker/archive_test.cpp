// /containers/{id}/archive: tar streams out of and into a container's volume.
#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/tar_util.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class Archive : public DockerTest {};

TEST_F(Archive, CopiesDataOutAndIn) {
  std::string id = runTestapp("kv", testappSpec());
  std::string base = "http://" + containerIp(id) + ":8080";
  ASSERT_TRUE(httpGetWhenUp(base + "/health", 10s));
  auto put = httpRequest("PUT", base + "/kv/greeting", "hello from testapp");
  SS_ASSERT_OK(put);
  ASSERT_EQ(put->status, 201) << put->body;

  std::string tar;
  auto stat = client().getArchive(id, "/data", [&](std::string_view chunk) {
    tar.append(chunk);
    return true;
  });
  SS_ASSERT_OK(stat);
  EXPECT_EQ(stat->name, "data");
  EXPECT_TRUE(stat->mode & 0x80000000u) << "a directory";
  auto files = readTar(tar);
  SS_ASSERT_OK(files);
  ASSERT_EQ(files->count("data/greeting"), 1u);
  EXPECT_EQ(files->at("data/greeting"), "hello from testapp");

  SS_ASSERT_OK(client().putArchive(id, "/data", makeTar({{"restored", "from a tar"}})));
  auto get = httpRequest("GET", base + "/kv/restored");
  SS_ASSERT_OK(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "from a tar");

  auto file_stat = client().statPath(id, "/data/restored");
  SS_ASSERT_OK(file_stat);
  EXPECT_EQ(file_stat->size, 10);
}

TEST_F(Archive, MissingPathIsNotFound) {
  std::string id = runTestapp("missing", testappSpec(), false);
  auto stat = client().statPath(id, "/no/such/path");
  ASSERT_FALSE(stat);
  EXPECT_EQ(stat.error().code, ErrorCode::kNotFound);
  auto get = client().getArchive(id, "/no/such/path", [](std::string_view) { return true; });
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  EXPECT_NE(get.error().describe().find("Could not find the file /no/such/path"), std::string::npos) << get.error().describe();
}

}  // namespace
}  // namespace shipshape::testing
