// ProgressBar: '\r' redraws on a terminal; off one, silence or a line per tenth.
#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>

namespace lucid::tools {

ProgressBar::ProgressBar(std::string title, std::int64_t total, Style style)
    : title_(std::move(title)), total_(std::max<std::int64_t>(total, 1)), style_(style),
      terminal_(::isatty(::fileno(style.stream)) != 0) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', style_.stream);
}

void ProgressBar::update(std::int64_t done, const std::string& status) {
  done_ = std::clamp<std::int64_t>(done, 0, total_);
  if (!style_.enabled || finished_) return;
  const int tenth = static_cast<int>(done_ * 10 / total_);
  if (terminal_ || (style_.off_terminal == OffTerminal::every_tenth && tenth != last_tenth_))
    draw(status);
  last_tenth_ = tenth;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", style_.stream);
  std::fflush(style_.stream);
  drawn_ = false;
}

void ProgressBar::finish(const std::string& status) {
  if (finished_) return;
  done_ = total_;
  if (style_.enabled && (terminal_ || style_.off_terminal == OffTerminal::every_tenth)) {
    draw(status);
    if (terminal_) std::fputc('\n', style_.stream);
  }
  drawn_ = false;
  finished_ = true;
}

void ProgressBar::draw(const std::string& status) {
  const int filled = static_cast<int>(done_ * style_.width / total_);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(style_.width - filled), '.');
  std::fprintf(style_.stream, "%s%s [%s] %lld/%lld %s%s", terminal_ ? "\r\033[K" : "",
               title_.c_str(), bar.c_str(), static_cast<long long>(done_),
               static_cast<long long>(total_), status.c_str(), terminal_ ? "" : "\n");
  std::fflush(style_.stream);
  drawn_ = terminal_;
}

}  // namespace lucid::tools
