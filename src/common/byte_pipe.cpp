#include "common/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace shipshape {

bool BytePipe::write(std::string_view data) {
  std::unique_lock lock(mutex_);
  // A chunk larger than the capacity is still accepted whole once the pipe is empty.
  changed_.wait(lock, [&] { return aborted_ || buffered_ == 0 || buffered_ + data.size() <= capacity_; });
  if (aborted_) return false;
  if (data.empty()) return true;
  chunks_.emplace_back(data);
  buffered_ += data.size();
  changed_.notify_all();
  return true;
}

void BytePipe::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

std::size_t BytePipe::read(char* buffer, std::size_t size) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || buffered_ > 0 || closed_; });
  if (aborted_) return 0;
  std::size_t copied = 0;
  while (copied < size && !chunks_.empty()) {
    const std::string& front = chunks_.front();
    std::size_t n = std::min(size - copied, front.size() - front_offset_);
    std::memcpy(buffer + copied, front.data() + front_offset_, n);
    copied += n;
    front_offset_ += n;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  buffered_ -= copied;
  changed_.notify_all();
  return copied;
}

void BytePipe::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}

bool BytePipe::aborted() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

}  // namespace shipshape
