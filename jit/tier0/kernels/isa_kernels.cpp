// This copy's table of kernels, which isa_dispatch.cpp picks from.
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

#define LUCID_TIER0_STRINGIFY2(x) #x
#define LUCID_TIER0_STRINGIFY(x) LUCID_TIER0_STRINGIFY2(x)

extern const IsaKernels kKernels;
const IsaKernels kKernels = {
    LUCID_TIER0_STRINGIFY(LUCID_TIER0_ISA),
    {forward<float>, backward_data<float>, backward_weight<float>, backward_bias<float>},
    {forward<double>, backward_data<double>, backward_weight<double>, backward_bias<double>},
    kVectorBytes,
    pack_rows_as_lanes<float>,
    pack_rows_as_lanes<double>,
};

}  // namespace lucid::tier0::LUCID_TIER0_ISA
