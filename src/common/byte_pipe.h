// A bounded in-memory pipe between two threads: the thread that receives a stream from the engine (a curl
// callback, which cannot be turned into a pull) and a thread that reads it as a file (libarchive, restic's
// stdin, an upload). Its capacity bounds memory whatever the size of what flows through it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace shipshape {

// A pull source: fills `buffer` with up to `size` bytes; 0 = end of stream (or a source that broke, which
// keeps its own error).
using ReadFn = std::function<std::size_t(char* buffer, std::size_t size)>;

class BytePipe {
 public:
  explicit BytePipe(std::size_t capacity = 8u << 20) : capacity_(capacity) {}

  // Writer side. Blocks while the pipe is full; false once the reader gave up (abort()).
  bool write(std::string_view data);
  // No more data: the reader sees end of stream once the pipe is drained.
  void close();

  // Reader side. Blocks until data, end of stream (0) or abort (0, aborted() true).
  std::size_t read(char* buffer, std::size_t size);
  // Either side: stop the other one (a failed reader stops the download; a failed download, the reader).
  void abort();
  bool aborted() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  std::size_t front_offset_ = 0;
  std::size_t buffered_ = 0;
  std::size_t capacity_;
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace shipshape
