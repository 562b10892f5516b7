// KernelHandle: one layer's kernels as the runtime holds them (docs/semantics.md §7). The set it
// serves is one atomic pointer: tier 0 at first on a cold cache, swapped once for the
// specialised tier-1 set when the background compile finishes. Modules and autograd nodes keep
// the handle, so ones created before the swap use the new kernels on their next call.
#pragma once

#include <atomic>
#include <memory>

#include "lucid/kernel_set.h"

namespace lucid {

class KernelHandle {
 public:
  explicit KernelHandle(std::shared_ptr<const KernelSet> initial);
  KernelHandle(const KernelHandle&) = delete;
  KernelHandle& operator=(const KernelHandle&) = delete;

  // The set for one call. Load it once per call and take the item counts and the kernels
  // from that one set: both tiers stay alive as long as the handle, so the reference is
  // valid for the whole call even if a swap happens meanwhile. Lock-free.
  const KernelSet& current() const noexcept { return *current_.load(std::memory_order_acquire); }

  // True once the tier-1 set serves (at once for a memory or disk-cache hit).
  bool specialised() const noexcept { return current().tier == 1; }
  const ConvSpec& spec() const noexcept { return initial_->spec; }

  // Installs the specialised set: the one swap. Called once, by the engine.
  void install(std::shared_ptr<const KernelSet> specialised);

 private:
  std::shared_ptr<const KernelSet> initial_;
  std::shared_ptr<const KernelSet> specialised_;  // written before the swap, never after
  std::atomic<const KernelSet*> current_;
};

}  // namespace lucid
