// How many bytes a kernel's failed scratch allocation asked for. The kernel ABI returns only
// LUCID_STATUS_OUT_OF_MEMORY, so both tiers' kernels (tier 0's thread scratch, and the JIT's
// kernels, whose `aligned_alloc` the engine resolves to a recording wrapper) leave the size
// here for the runtime's error message.
#pragma once

#include <cstddef>

namespace lucid {

// The byte count of the latest kernel scratch request in this process that could not be
// satisfied, or 0 if none failed since the last call; the call resets it to 0. Process-wide,
// since the kernel that failed may have run on a pool thread: of two concurrent failures, one
// is reported. Kernels that lucid-aot wrote call the C library's aligned_alloc and record
// nothing.
std::size_t take_failed_kernel_scratch_bytes();

}  // namespace lucid
