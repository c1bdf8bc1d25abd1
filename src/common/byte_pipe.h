// A bounded in-memory pipe between two threads: the thread that receives a stream from the engine (a curl
// callback, which cannot be turned into a pull) and a thread that reads it as a file (libarchive, restic's
// stdin, an upload). Its capacity bounds memory whatever the size of what flows through it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace shipshape {

// A pull source: fills `buffer` with up to `size` bytes; 0 = end of stream (or a source that broke, which
// keeps its own error).
using ReadFn = std::function<std::size_t(char* buffer, std::size_t size)>;

// One ring buffer allocated up front: no allocation per chunk, and the same pages reused lap after lap (a
// pipe of freshly allocated chunks cost a page fault per 4 KiB). Each side sleeps until the other has moved a
// good share of the capacity, not a byte, so a fast stream wakes each thread a few times per ring.
class BytePipe {
 public:
  explicit BytePipe(std::size_t capacity = 8u << 20);

  // Writer side. Blocks while the pipe is full (a write larger than the capacity goes in parts); false once
  // the reader gave up (abort()).
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
  std::condition_variable readable_;
  std::condition_variable writable_;
  std::vector<char> ring_;
  std::size_t head_ = 0;  // next byte to read
  std::size_t buffered_ = 0;
  std::size_t batch_;  // what a sleeping side waits for before it is woken
  bool reader_waiting_ = false;
  bool writer_waiting_ = false;
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace shipshape
