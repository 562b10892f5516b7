// PackedWeights: when to pack again, and the pack itself over the thread pool.
#include "lucid/packed_weights.h"

#include <cstdlib>

#include <fmt/format.h>

#include "kernel_passes.h"
#include "lucid/error.h"

namespace lucid {

PackedWeights::PackedWeights() = default;
PackedWeights::~PackedWeights() = default;

std::shared_ptr<const void> PackedWeights::forward(const std::shared_ptr<const KernelHandle>& handle,
                                                   const KernelSet& set, const Tensor& weight) {
  if (set.forward_packed_bytes == 0) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  const bool same = packed_ && set_ == &set && weight_.defined() && weight_.data() == weight.data() &&
                    version_ == weight.version();
  if (same) return packed_;
  packed_.reset();
  const auto bytes = static_cast<std::size_t>(set.forward_packed_bytes);
  // Whole cache lines (aligned_alloc wants a multiple of the alignment): the kernels read
  // the copy as whole vectors.
  void* memory = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (memory == nullptr)
    throw OutOfMemory(fmt::format("{}: cannot allocate {} bytes for the packed weight", set.spec.to_string(), bytes));
  std::shared_ptr<void> packed(memory, [](void* p) { std::free(p); });
  run_pack_forward(set, weight.data(), packed.get());
  handle_ = handle;
  set_ = &set;
  weight_ = weight.detach();
  version_ = weight.version();
  packed_ = std::move(packed);
  return packed_;
}

}  // namespace lucid
