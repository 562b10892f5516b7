// ProgressBar: one line on stderr, redrawn in place on a terminal
//   hifigan_up1  [#########...........]  42/97  forward v8.f4x3x2.d4x2.w2x2x3  best 71.2 GF/s  6.1s/20s
// and printed as a plain line every tenth of the way when stderr is a file or a CI log.
#pragma once

#include <cstddef>
#include <string>

namespace lucid::tune {

class ProgressBar {
 public:
  ProgressBar(std::string title, std::size_t total, bool enabled);
  ~ProgressBar();

  // Marks `done` of `total` steps done, with a short status text after the counts.
  void update(std::size_t done, const std::string& status);
  // Ends the line (the bar stays visible).
  void finish(const std::string& status);

 private:
  void draw(const std::string& status);

  std::string title_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool terminal_;
  int last_tenth_ = -1;
  bool finished_ = false;
};

}  // namespace lucid::tune
