// Counting a string's occurrences in text: for tests that read what a kernel dump or a child
// process printed.
#pragma once

#include <cstddef>
#include <string>

namespace lucid::testing {

// Occurrences of `what` in `text`, overlapping ones included.
inline size_t count_occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace lucid::testing
