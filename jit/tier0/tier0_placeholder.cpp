// Placeholder until the generic kernels land: every pass reports an unsupported call.
#include "tier0_kernels.h"
namespace lucid::tier0 {
std::shared_ptr<const KernelSet> make_kernel_set(const ConvSpec& spec, const Schedule& schedule) {
  auto set = std::make_shared<KernelSet>();
  set->spec = spec;
  set->schedule = schedule;
  set->tier = 0;
  set->source = "generic";
  return set;
}
int forward(const KernelSet&, const void*, const void*, const void*, void*, int64_t, int64_t, int64_t, int64_t) { return LUCID_STATUS_BAD_ARGUMENT; }
int backward_data(const KernelSet&, const void*, const void*, void*, int64_t, int64_t, int64_t, int64_t) { return LUCID_STATUS_BAD_ARGUMENT; }
int backward_weight(const KernelSet&, const void*, const void*, void*, int64_t, int64_t, int64_t, int64_t) { return LUCID_STATUS_BAD_ARGUMENT; }
int backward_bias(const KernelSet&, const void*, void*, int64_t, int64_t, int64_t, int64_t) { return LUCID_STATUS_BAD_ARGUMENT; }
}
