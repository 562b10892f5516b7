// PackedWeights: a layer's weight packed once for its forward kernel, for callers whose
// weights stay fixed over many calls (inference). Without it, every call packs: a call whose
// range spans samples packs the whole weight once for the range, and a smaller range (a
// batch-1 layer's items) packs each item's weights as the item starts (kernel_abi.h's "Packed
// weights"; 3-8% of hifigan_up1's and wide_s1's forward on Zen 5, README).
#pragma once

#include <memory>
#include <mutex>

#include "lucid/kernel_handle.h"
#include "lucid/tensor.h"

namespace lucid {

class PackedWeights {
 public:
  PackedWeights();
  ~PackedWeights();
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;

  // The packed copy of `weight` for `set` (the set a call loaded from `handle`): the last one,
  // or packed now (over the thread pool) when the set, the weight's storage or its version
  // differ from the last pack. Null when the set has nothing to pack (tier 0, or a layout that
  // reads the weight in place); the call then runs the plain kernel. Thread-safe; the copy
  // stays valid while the returned pointer is held.
  //
  // A write that does not bump weight.version() (through data(), or a numpy view of it) is
  // not seen: call weight.mark_modified() after one, as autograd also asks.
  std::shared_ptr<const void> forward(const std::shared_ptr<const KernelHandle>& handle, const KernelSet& set,
                                      const Tensor& weight);

 private:
  std::mutex mutex_;
  std::shared_ptr<const KernelHandle> handle_;  // keeps `set_` alive, so its address stays unique
  const KernelSet* set_ = nullptr;
  Tensor weight_;  // the storage packed from, held so its address is not reused by another
  std::uint64_t version_ = 0;
  std::shared_ptr<const void> packed_;
};

}  // namespace lucid
