// Fuzz target: lucid-run's .npy reader (tools/lucid-run/npy.cpp) on an arbitrary file. A file
// it cannot take must end in NpyError (lucid-run's exit code 1 with a message); any other
// exception or a crash is a bug. A file it takes must survive a write/read round trip with
// the same dtype, shape and bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "fuzz_file.h"
#include "npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = lucid::fuzz::write_scratch_file("input.npy", data, size);
  lucid::Tensor tensor;
  try {
    tensor = lucid::npy::read(path);
  } catch (const lucid::npy::NpyError&) {
    return 0;
  }
  const std::string bytes = lucid::npy::encode(tensor);
  const auto* encoded = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const lucid::Tensor again = lucid::npy::read(lucid::fuzz::write_scratch_file("again.npy", encoded, bytes.size()));
  const std::size_t data_bytes = static_cast<std::size_t>(tensor.numel()) * lucid::dtype_size(tensor.dtype());
  if (again.dtype() != tensor.dtype() || again.shape() != tensor.shape() ||
      std::memcmp(again.data(), tensor.data(), data_bytes) != 0)
    std::abort();
  return 0;
}
