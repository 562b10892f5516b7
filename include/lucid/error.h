// lucid::Error: the exception users see for bad arguments, shapes and data. Messages name the
// argument, its value and the rule, as PyTorch's do. lucid::InternalError is a broken
// invariant of the library itself (Halide's internal_assert): a bug to report, not a misuse.
// lucid::OutOfMemory is the Error for an allocation that failed.
#pragma once

#include <stdexcept>
#include <string>

namespace lucid {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An allocation that could not be satisfied. The message names what was being allocated and
// how many bytes, never just "std::bad_alloc".
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& message) : Error(message) {}
};

class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message)
      : std::logic_error("lucid-jit internal error (please report): " + message) {}
};

}  // namespace lucid
