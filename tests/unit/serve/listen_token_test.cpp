#include "serve/listen_token.h"

#include <stdlib.h>

#include <fstream>

#include <gtest/gtest.h>

#include "support/scoped.h"

namespace shipshape::serve {
namespace {

TEST(ListenToken, FirstLineTrimmed) {
  testing::ScopedTempDir dir("token");
  std::ofstream(dir / "t") << "  s3cret \nsecond line\n";
  auto t = readListenToken(dir / "t");
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_EQ(*t, "s3cret");
}

TEST(ListenToken, AnEmptyFileIsAnErrorNotNoAuthentication) {
  testing::ScopedTempDir dir("token");
  std::ofstream(dir / "empty") << "\n  \n";
  auto t = readListenToken(dir / "empty");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().describe().find("empty"), std::string::npos);
  EXPECT_FALSE(readListenToken(dir / "missing"));
}

TEST(ListenToken, FromTheEnvironmentWithoutAFile) {
  ::setenv("SHIPSHAPE_LISTEN_TOKEN", " abc\n", 1);
  auto t = readListenToken("");
  ::unsetenv("SHIPSHAPE_LISTEN_TOKEN");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, "abc");
}

}  // namespace
}  // namespace shipshape::serve
