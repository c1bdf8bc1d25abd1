#include "docker/stream_decoders.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace shipshape::docker {
namespace {

std::string frame(LogStream stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  auto n = static_cast<std::uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

struct Collected {
  std::vector<std::pair<LogStream, std::string>> frames;
  LogDemuxer::Sink sink() {
    return [this](const LogFrame& f) {
      frames.emplace_back(f.stream, std::string(f.data));
      return true;
    };
  }
};

TEST(LogDemuxer, SplitsFramesFedWholeOrByteByByte) {
  std::string body = frame(LogStream::kStdout, "hello\n") + frame(LogStream::kStderr, "oops\n") +
                     frame(LogStream::kStdout, std::string(70000, 'x'));
  for (std::size_t step : {body.size(), std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    Collected c;
    LogDemuxer d(false, c.sink());
    for (std::size_t i = 0; i < body.size(); i += step) ASSERT_TRUE(d.feed(std::string_view(body).substr(i, step)));
    ASSERT_EQ(c.frames.size(), 3u) << "step " << step;
    EXPECT_EQ(c.frames[0], (std::pair<LogStream, std::string>{LogStream::kStdout, "hello\n"}));
    EXPECT_EQ(c.frames[1], (std::pair<LogStream, std::string>{LogStream::kStderr, "oops\n"}));
    EXPECT_EQ(c.frames[2].second.size(), 70000u);
    EXPECT_EQ(d.pending(), 0u);
  }
}

TEST(LogDemuxer, KeepsAnIncompleteFrameForLater) {
  Collected c;
  LogDemuxer d(false, c.sink());
  std::string f = frame(LogStream::kStdout, "abcdef");
  ASSERT_TRUE(d.feed(std::string_view(f).substr(0, 10)));
  EXPECT_TRUE(c.frames.empty());
  EXPECT_EQ(d.pending(), 10u);
  ASSERT_TRUE(d.feed(std::string_view(f).substr(10)));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].second, "abcdef");
}

TEST(LogDemuxer, TtyStreamsPassThroughRaw) {
  Collected c;
  LogDemuxer d(true, c.sink());
  ASSERT_TRUE(d.feed("raw terminal output\r\n"));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].second, "raw terminal output\r\n");
}

TEST(LogDemuxer, RejectsAStreamThatIsNotMultiplexed) {
  Collected c;
  LogDemuxer d(false, c.sink());
  EXPECT_FALSE(d.feed("this is plain text, not frames"));
  EXPECT_TRUE(d.malformed());
  EXPECT_TRUE(c.frames.empty());
}

TEST(LogDemuxer, StopsWhenTheSinkSaysSo) {
  int seen = 0;
  LogDemuxer d(false, [&](const LogFrame&) { return ++seen < 1; });
  EXPECT_FALSE(d.feed(frame(LogStream::kStdout, "a") + frame(LogStream::kStdout, "b")));
  EXPECT_EQ(seen, 1);
}

TEST(LineSplitter, EmitsCompleteLinesAcrossChunks) {
  std::vector<std::string> lines;
  LineSplitter s([&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  });
  ASSERT_TRUE(s.feed("{\"a\":1}\n{\"b\""));
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_TRUE(s.feed(":2}\r\n\n{\"c\":3}\n"));
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
  EXPECT_EQ(s.pending(), 0u);
}

}  // namespace
}  // namespace shipshape::docker
