// PackedWeights: when to pack again, and the pack itself over the thread pool.
#include "lucid/packed_weights.h"

#include <fmt/format.h>

#include "kernel_passes.h"
#include "lucid/error.h"
#include "tensor_impl.h"

namespace lucid {

PackedWeights::PackedWeights() = default;
PackedWeights::~PackedWeights() = default;

std::shared_ptr<const void> PackedWeights::forward(const std::shared_ptr<const KernelHandle>& handle,
                                                   const KernelSet& set, const Tensor& weight) {
  if (set.forward_packed_bytes == 0) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  // packed_ is set only together with weight_, so weight_ is defined when it is.
  const bool same =
      packed_ && set_ == &set && weight_.data() == weight.data() && version_ == weight.version();
  if (same) return packed_;
  packed_.reset();
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(static_cast<std::size_t>(set.forward_packed_bytes));
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(fmt::format("{}: packed weight: {}", set.spec.to_string(), e.what()));
  }
  // Tensor storage is 64-byte aligned and whole lines long: the kernels read the copy as whole
  // vectors.
  std::shared_ptr<void> packed(storage, storage->data);
  run_pack_forward(set, weight.data(), packed.get());
  handle_ = handle;
  set_ = &set;
  weight_ = weight.detach();
  version_ = weight.version();
  packed_ = std::move(packed);
  return packed_;
}

}  // namespace lucid
