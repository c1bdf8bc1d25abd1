// A one-line progress display on stderr for long copies (bytes, rate, and percent/ETA when the total is
// known); silent when stderr is not a terminal, so CI logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shipshape::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total_bytes);  // total < 0: unknown
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  // Redraws at most 10 times a second.
  void update(std::int64_t bytes);
  // For work whose size becomes known as it goes (a push learns each layer's size when it starts).
  void setTotal(std::int64_t total_bytes) { total_ = total_bytes; }
  // Erases the bar so that a line of text can be printed; the next update draws it again.
  void clear();
  void finish();

 private:
  void draw(std::int64_t bytes);
  std::string label_;
  std::int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace shipshape::cli
