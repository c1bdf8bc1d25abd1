#include "common/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace shipshape {

BytePipe::BytePipe(std::size_t capacity)
    : ring_(std::max<std::size_t>(capacity, 1)), batch_(std::max<std::size_t>(ring_.size() / 8, 1)) {}

bool BytePipe::write(std::string_view data) {
  std::unique_lock lock(mutex_);
  while (!data.empty()) {
    // Wait for room: a batch's worth, or all that is left of `data`.
    std::size_t want = std::min(data.size(), batch_);
    if (!aborted_ && ring_.size() - buffered_ < want) {
      writer_waiting_ = true;
      writable_.wait(lock, [&] { return aborted_ || ring_.size() - buffered_ >= want; });
      writer_waiting_ = false;
    }
    if (aborted_) return false;
    std::size_t n = std::min(data.size(), ring_.size() - buffered_);
    std::size_t tail = (head_ + buffered_) % ring_.size();
    std::size_t first = std::min(n, ring_.size() - tail);
    std::memcpy(ring_.data() + tail, data.data(), first);
    std::memcpy(ring_.data(), data.data() + first, n - first);
    buffered_ += n;
    data.remove_prefix(n);
    if (reader_waiting_ && buffered_ >= batch_) readable_.notify_one();
  }
  return !aborted_;
}

void BytePipe::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  readable_.notify_all();
}

std::size_t BytePipe::read(char* buffer, std::size_t size) {
  std::unique_lock lock(mutex_);
  if (buffered_ == 0 && !aborted_ && !closed_) {
    reader_waiting_ = true;
    readable_.wait(lock, [&] { return aborted_ || buffered_ > 0 || closed_; });
    reader_waiting_ = false;
  }
  if (aborted_) return 0;
  std::size_t n = std::min(size, buffered_);
  std::size_t first = std::min(n, ring_.size() - head_);
  std::memcpy(buffer, ring_.data() + head_, first);
  std::memcpy(buffer + first, ring_.data(), n - first);
  head_ = (head_ + n) % ring_.size();
  buffered_ -= n;
  if (writer_waiting_) writable_.notify_one();
  return n;
}

void BytePipe::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  readable_.notify_all();
  writable_.notify_all();
}

bool BytePipe::aborted() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

}  // namespace shipshape
