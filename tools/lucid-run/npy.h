// Reading and writing NumPy .npy files: little-endian float32/float64 ('<f4', '<f8') in C
// order, format versions 1.0-3.0. Anything else is refused with a message saying what was
// found and what would be accepted, never guessed at.
#pragma once

#include <stdexcept>
#include <string>

#include "lucid/tensor.h"

namespace lucid::npy {

// A file that is missing, unreadable, malformed, truncated, or of a dtype/order we refuse.
class NpyError : public std::runtime_error {
 public:
  explicit NpyError(const std::string& message) : std::runtime_error(message) {}
};

// Reads `path` into a new tensor; errors name the file.
Tensor read(const std::string& path);

// The bytes of an .npy file holding `tensor` (format 1.0, header padded to 64 bytes).
std::string encode(const Tensor& tensor);

// Writes encode(tensor) to `path`; throws NpyError when the file cannot be written.
void write(const std::string& path, const Tensor& tensor);

}  // namespace lucid::npy
