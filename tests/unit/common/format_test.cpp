#include "common/format.h"

#include <gtest/gtest.h>

#include <string>

namespace shipshape {
namespace {

TEST(HumanBytes, UsesBinaryUnits) {
  EXPECT_EQ(humanBytes(0), "0B");
  EXPECT_EQ(humanBytes(1023), "1023B");
  EXPECT_EQ(humanBytes(1536), "1.5KiB");
  EXPECT_EQ(humanBytes(64LL << 20), "64MiB");
  EXPECT_EQ(humanBytes(3LL << 30), "3GiB");
}

TEST(ParseBytes, AcceptsDockerCliUnits) {
  EXPECT_EQ(parseBytes("1024"), 1024);
  EXPECT_EQ(parseBytes("512m"), 512LL << 20);
  EXPECT_EQ(parseBytes("512MiB"), 512LL << 20);
  EXPECT_EQ(parseBytes("1g"), 1LL << 30);
  EXPECT_EQ(parseBytes("1.5G"), 3LL << 29);
  EXPECT_EQ(parseBytes("64k"), 64LL << 10);
}

TEST(ParseBytes, RejectsGarbage) {
  EXPECT_EQ(parseBytes(""), -1);
  EXPECT_EQ(parseBytes("m"), -1);
  EXPECT_EQ(parseBytes("12 parsecs"), -1);
  EXPECT_EQ(parseBytes("12x"), -1);
  // Found by fuzz_compose: a long digit run overflowed the cast to int64.
  EXPECT_EQ(parseBytes(std::string(120, '9') + "g"), -1);
  EXPECT_EQ(parseBytes(std::string(400, '9')), -1);
  EXPECT_EQ(parseBytes("8e"), -1);
}

TEST(ParseNanoCpus, AcceptsDockerCpusAndRejectsTheRest) {
  EXPECT_EQ(parseNanoCpus("0.5"), 500000000);
  EXPECT_EQ(parseNanoCpus("2"), 2000000000);
  EXPECT_EQ(parseNanoCpus(""), -1);
  EXPECT_EQ(parseNanoCpus("two"), -1);
  EXPECT_EQ(parseNanoCpus("-1"), -1);
  EXPECT_EQ(parseNanoCpus("1e300"), -1);
  EXPECT_EQ(parseNanoCpus("nan"), -1);
}

TEST(FormatCpus, ShowsFractionsOfACore) {
  EXPECT_EQ(formatCpus(500000000), "0.5");
  EXPECT_EQ(formatCpus(2000000000), "2");
  EXPECT_EQ(formatCpus(1250000000), "1.25");
}

TEST(ShortId, DropsDigestPrefixAndTruncates) {
  EXPECT_EQ(shortId("sha256:8831a9b22900d53a060c325a9b64c52d"), "8831a9b22900");
  EXPECT_EQ(shortId("7861e81c39d95502f87afd5aee9d3e859b"), "7861e81c39d9");
  EXPECT_EQ(shortId("abc"), "abc");
}

}  // namespace
}  // namespace shipshape

namespace shipshape {
TEST(ParseDuration, AcceptsGoStyleUnitsAndDays) {
  EXPECT_EQ(parseDurationMs("500ms"), 500);
  EXPECT_EQ(parseDurationMs("90s"), 90000);
  EXPECT_EQ(parseDurationMs("1m30s"), 90000);
  EXPECT_EQ(parseDurationMs("1.5s"), 1500);
  EXPECT_EQ(parseDurationMs("2h"), 7200000);
  EXPECT_EQ(parseDurationMs("7d"), 7 * 86400000LL);
  EXPECT_EQ(parseDurationMs(""), -1);
  EXPECT_EQ(parseDurationMs("5"), -1);
  EXPECT_EQ(parseDurationMs("5 min"), -1);
  EXPECT_EQ(parseDurationMs("m5"), -1);
}
}  // namespace shipshape
