// The exception a kernel's non-zero status becomes, written once for the runtime's passes and
// the Python bindings' calls of raw kernels.
#pragma once

#include <cstdint>

#include "lucid/conv_spec.h"

namespace lucid {

// Returns on LUCID_STATUS_OK. Otherwise throws, with the layer, the pass, the status's name
// and meaning, the call's batch and length and the spec key (all a bug report needs):
// - OutOfMemory for LUCID_STATUS_OUT_OF_MEMORY, with the scratch bytes the kernel asked for;
// - Error for a batch, length or size the kernel refuses (the caller's sizes);
// - InternalError for anything else: the checks before the call should have caught it.
void check_kernel_status(int status, const char* pass, const ConvSpec& spec, int64_t batch, int64_t length);

}  // namespace lucid
