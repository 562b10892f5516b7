// ProgressBar: one redrawn line on a terminal; on a pipe or file, nothing (the demo's
// milestone lines carry the same information there, and logs stay readable).
#pragma once

#include <cstdint>
#include <string>

namespace demo {

class ProgressBar {
 public:
  explicit ProgressBar(int64_t total, int width = 30);
  // Redraws the bar at `done` with `status` after it.
  void update(int64_t done, const std::string& status);
  // Clears the bar so a normal line can be printed; the next update redraws it.
  void clear();
  bool interactive() const { return interactive_; }

 private:
  int64_t total_;
  int width_;
  bool interactive_;
  bool drawn_ = false;
};

}  // namespace demo
