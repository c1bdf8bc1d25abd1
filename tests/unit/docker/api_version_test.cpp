#include "docker/api_version.h"

#include <gtest/gtest.h>

namespace shipshape::docker {
namespace {

TEST(ApiVersion, ParsesAndPrints) {
  auto v = ApiVersion::parse("1.41");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 41);
  EXPECT_EQ(v->toString(), "1.41");
}

TEST(ApiVersion, RejectsMalformed) {
  EXPECT_FALSE(ApiVersion::parse(""));
  EXPECT_FALSE(ApiVersion::parse("1"));
  EXPECT_FALSE(ApiVersion::parse("1.x"));
  EXPECT_FALSE(ApiVersion::parse("v1.41"));
  EXPECT_FALSE(ApiVersion::parse("1.41.2"));
}

TEST(ApiVersion, ComparesNumericallyNotLexically) {
  EXPECT_LT(*ApiVersion::parse("1.9"), *ApiVersion::parse("1.41"));
  EXPECT_GT(*ApiVersion::parse("1.50"), *ApiVersion::parse("1.47"));
}

TEST(NegotiateVersion, UsesTheOlderOfServerAndClient) {
  EXPECT_EQ(negotiateVersion({1, 41}), (ApiVersion{1, 41}));  // Debian 12's Docker 20.10
  EXPECT_EQ(negotiateVersion({1, 44}), (ApiVersion{1, 44}));
  EXPECT_EQ(negotiateVersion({1, 50}), kMaxApiVersion);       // Docker 28 answers to our newest
}

}  // namespace
}  // namespace shipshape::docker
