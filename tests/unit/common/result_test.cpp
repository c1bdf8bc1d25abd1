#include "common/result.h"

#include <gtest/gtest.h>

namespace shipshape {
namespace {

Result<int> parsePositive(int v) {
  if (v <= 0) return fail(ErrorCode::kInvalidArgument, "not positive: " + std::to_string(v));
  return v;
}

TEST(Error, DescribePrintsOuterContextFirst) {
  Error e{ErrorCode::kNotFound, "No such container: web-1", {}, 404};
  Error wrapped = e.wrap("inspecting web-1").wrap("auditing host");
  EXPECT_EQ(wrapped.describe(), "auditing host <- inspecting web-1 <- No such container: web-1");
  EXPECT_EQ(wrapped.http_status, 404);
  EXPECT_EQ(e.describe(), "No such container: web-1") << "wrap on an lvalue must not change the original";
}

TEST(Result, FailCarriesCodeAndMessage) {
  auto r = parsePositive(-3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "not positive: -3");
  EXPECT_EQ(*parsePositive(5), 5);
}

TEST(Result, FailWithAddsContext) {
  auto inner = parsePositive(0);
  Result<std::string> outer = failWith(inner, "reading the limit");
  EXPECT_EQ(outer.error().describe(), "reading the limit <- not positive: 0");
}

TEST(ErrorCodeName, IsStableForJsonOutput) {
  EXPECT_STREQ(errorCodeName(ErrorCode::kUnreachable), "unreachable");
  EXPECT_STREQ(errorCodeName(ErrorCode::kTimeout), "timeout");
  EXPECT_STREQ(errorCodeName(ErrorCode::kApi), "api");
}

}  // namespace
}  // namespace shipshape
