// lucid::Error: the one exception type users see for bad arguments, shapes and data.
// Messages name the argument, its value and the rule, as PyTorch's do.
#pragma once

#include <stdexcept>
#include <string>

namespace lucid {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lucid
