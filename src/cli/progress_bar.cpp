#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "common/format.h"

namespace shipshape::cli {

ProgressBar::ProgressBar(std::string label, std::int64_t total_bytes)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::int64_t bytes) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(bytes);
}

void ProgressBar::draw(std::int64_t bytes) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  std::string line =
      fmt::format("\r{} {} {}/s", label_, humanBytes(bytes), humanBytes(static_cast<std::int64_t>(rate)));
  if (total_ > 0) {
    double fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    int filled = static_cast<int>(fraction * 30);
    std::string bar =
        std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(30 - filled), '.');
    double eta = rate > 0 ? static_cast<double>(total_ - bytes) / rate : 0;
    line = fmt::format("\r{} [{}] {:3.0f}% {} of {} {}/s ETA {:.0f}s", label_, bar, fraction * 100, humanBytes(bytes),
                       humanBytes(total_), humanBytes(static_cast<std::int64_t>(rate)), std::max(0.0, eta));
  }
  std::fputs((line + "\033[K").c_str(), stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
  enabled_ = false;
}

}  // namespace shipshape::cli
