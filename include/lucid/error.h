// lucid::Error: the exception users see for bad arguments, shapes and data. Messages name the
// argument, its value and the rule, as PyTorch's do. lucid::InternalError is a broken
// invariant of the library itself (Halide's internal_assert): a bug to report, not a misuse.
#pragma once

#include <stdexcept>
#include <string>

namespace lucid {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message)
      : std::logic_error("lucid-jit internal error (please report): " + message) {}
};

}  // namespace lucid
