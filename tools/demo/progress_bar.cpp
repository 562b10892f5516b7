// ProgressBar: '\r' redraws on a terminal only.
#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace demo {

ProgressBar::ProgressBar(int64_t total, int width)
    : total_(total), width_(width), interactive_(isatty(fileno(stdout)) != 0) {}

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!interactive_) return;
  int filled = total_ > 0 ? static_cast<int>(width_ * done / total_) : width_;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(static_cast<std::size_t>(width_), '.');
  std::printf("\r  [%s] %3d%%  %s\033[K", bar.c_str(),
              total_ > 0 ? static_cast<int>(100 * done / total_) : 100, status.c_str());
  std::fflush(stdout);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!interactive_ || !drawn_) return;
  std::printf("\r\033[K");
  std::fflush(stdout);
  drawn_ = false;
}

}  // namespace demo
