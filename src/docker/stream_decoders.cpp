#include "docker/stream_decoders.h"

namespace shipshape::docker {

bool LogDemuxer::feed(std::string_view chunk) {
  if (tty_) return chunk.empty() || sink_(LogFrame{LogStream::kStdout, chunk});
  buffer_.append(chunk);
  std::size_t pos = 0;
  bool keep_going = true;
  while (keep_going && buffer_.size() - pos >= 8) {
    const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
    if (header[0] > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0) {
      malformed_ = true;
      buffer_.clear();
      return false;
    }
    std::uint32_t size = (std::uint32_t{header[4]} << 24) | (std::uint32_t{header[5]} << 16) |
                         (std::uint32_t{header[6]} << 8) | std::uint32_t{header[7]};
    if (buffer_.size() - pos - 8 < size) break;
    LogFrame frame{static_cast<LogStream>(header[0]), std::string_view(buffer_).substr(pos + 8, size)};
    keep_going = sink_(frame);
    pos += 8 + size;
  }
  buffer_.erase(0, pos);
  return keep_going;
}

bool LineSplitter::feed(std::string_view chunk) {
  buffer_.append(chunk);
  std::size_t start = 0;
  bool keep_going = true;
  for (std::size_t nl; keep_going && (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line = std::string_view(buffer_).substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) keep_going = sink_(line);
  }
  buffer_.erase(0, start);
  return keep_going;
}

}  // namespace shipshape::docker
