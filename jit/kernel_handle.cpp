// KernelHandle: the one-swap switch from tier 0 to tier 1.
#include "lucid/kernel_handle.h"

#include "lucid/error.h"

namespace lucid {

KernelHandle::KernelHandle(std::shared_ptr<const KernelSet> initial)
    : initial_(std::move(initial)), current_(initial_.get()) {
  if (!initial_) throw InternalError("KernelHandle: no initial kernel set");
}

void KernelHandle::install(std::shared_ptr<const KernelSet> specialised) {
  if (!specialised || specialised_ || specialised->tier != 1)
    throw InternalError("KernelHandle::install: one tier-1 set, installed once");
  specialised_ = std::move(specialised);
  current_.store(specialised_.get(), std::memory_order_release);
}

}  // namespace lucid
