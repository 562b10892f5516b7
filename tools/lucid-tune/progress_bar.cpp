// ProgressBar: carriage-return redraws on a terminal, sparse lines elsewhere.
#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace lucid::tune {

namespace {
constexpr int kWidth = 24;
}

ProgressBar::ProgressBar(std::string title, std::size_t total, bool enabled)
    : title_(std::move(title)), total_(std::max<std::size_t>(total, 1)), enabled_(enabled),
      terminal_(::isatty(2) != 0) {}

ProgressBar::~ProgressBar() {
  if (!finished_) finish("");
}

void ProgressBar::update(std::size_t done, const std::string& status) {
  done_ = std::min(done, total_);
  if (!enabled_) return;
  const int tenth = static_cast<int>(done_ * 10 / total_);
  if (terminal_ || tenth != last_tenth_) draw(status);
  last_tenth_ = tenth;
}

void ProgressBar::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  done_ = total_;
  draw(status);
  if (terminal_) std::fputc('\n', stderr);
}

void ProgressBar::draw(const std::string& status) {
  const int filled = static_cast<int>(done_ * kWidth / total_);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  if (terminal_)
    std::fprintf(stderr, "\r\033[K%s [%s] %zu/%zu %s", title_.c_str(), bar.c_str(), done_, total_,
                 status.c_str());
  else
    std::fprintf(stderr, "%s [%s] %zu/%zu %s\n", title_.c_str(), bar.c_str(), done_, total_,
                 status.c_str());
  std::fflush(stderr);
}

}  // namespace lucid::tune
