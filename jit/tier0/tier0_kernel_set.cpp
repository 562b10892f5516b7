// make_kernel_set: a KernelSet whose calls run the generic kernels (null entry points).
#include "tier0_kernels.h"

namespace lucid::tier0 {

std::shared_ptr<const KernelSet> make_kernel_set(const ConvSpec& spec, const Schedule& schedule) {
  auto set = std::make_shared<KernelSet>();
  set->spec = spec;
  // Kept as given (the engine passes the normalised schedule of the tier-1 set it stands in
  // for): the item counts of both tiers must agree, since a call may be split over threads
  // while the handle swaps tiers.
  set->schedule = schedule;
  set->tier = 0;
  set->source = "generic";
  return set;
}

}  // namespace lucid::tier0
