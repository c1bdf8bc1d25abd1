// Incremental decoders for the Engine API's streamed bodies. They take chunks exactly as they come off the
// socket (frames and lines split anywhere) and emit whole units. Not thread-safe; one per stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace shipshape::docker {

enum class LogStream { kStdin = 0, kStdout = 1, kStderr = 2 };

struct LogFrame {
  LogStream stream = LogStream::kStdout;
  std::string_view data;
};

// Logs and attach of a container without a TTY arrive multiplexed: each frame is an 8-byte header
// [stream, 0, 0, 0, size (big-endian u32)] and `size` bytes. With a TTY the body is raw stdout.
class LogDemuxer {
 public:
  using Sink = std::function<bool(const LogFrame&)>;  // return false to stop
  LogDemuxer(bool tty, Sink sink) : tty_(tty), sink_(std::move(sink)) {}

  // False when the sink asked to stop or the stream is malformed (see malformed()).
  bool feed(std::string_view chunk);
  bool malformed() const { return malformed_; }
  // Bytes of an incomplete frame still waiting for the rest.
  std::size_t pending() const { return buffer_.size(); }

 private:
  bool tty_;
  Sink sink_;
  std::string buffer_;
  bool malformed_ = false;
};

// Newline-delimited JSON (events, streamed stats): emits each complete line without its newline.
class LineSplitter {
 public:
  using Sink = std::function<bool(std::string_view line)>;  // return false to stop
  explicit LineSplitter(Sink sink) : sink_(std::move(sink)) {}
  bool feed(std::string_view chunk);
  std::size_t pending() const { return buffer_.size(); }

 private:
  Sink sink_;
  std::string buffer_;
};

}  // namespace shipshape::docker
