// ProgressBar: the one progress line of the demo's training loop and the tuner's search,
//   hifigan_up1 [#########...............] 42/97 forward v8.f4x3x2.d4x2.w2x2x3  best 71.2 GF/s
// redrawn in place when its stream is a terminal. Off a terminal (a pipe, a file, a CI log) it
// either stays silent (the demo, whose milestone lines say the same) or prints a plain line
// each tenth of the way (the tuner, whose runs are long enough to want a heartbeat).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace lucid::tools {

class ProgressBar {
 public:
  enum class OffTerminal { silent, every_tenth };
  struct Style {
    std::FILE* stream = stderr;
    OffTerminal off_terminal = OffTerminal::every_tenth;
    bool enabled = true;  // false: draws nothing at all (--no-progress)
    int width = 24;
  };

  ProgressBar(std::string title, std::int64_t total, Style style);
  // Ends a line left half drawn on a terminal, so the next output starts on a line of its own.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Marks `done` of `total` steps done, with a short status text after the counts.
  void update(std::int64_t done, const std::string& status);
  // Erases the bar from a terminal so a normal line can be printed; update() redraws it.
  void clear();
  // Draws the bar full with `status` and ends its line; the bar stays visible.
  void finish(const std::string& status);

 private:
  void draw(const std::string& status);

  std::string title_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  Style style_;
  bool terminal_;
  bool drawn_ = false;  // a partial line is on the terminal
  int last_tenth_ = -1;
  bool finished_ = false;
};

}  // namespace lucid::tools
