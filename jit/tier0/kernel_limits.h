// The sizes that steer how the tier-0 kernels split their work: the scratch budget that sizes
// packed chunks and tiles, and the pass size below which plain loops beat packing. Tests move
// them to drive every path on small layers, and cap scratch to check out-of-memory reports.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lucid::tier0 {

// What a pass fits its packed chunks and tiles into: 192 KiB, so they stay in L2.
std::size_t scratch_budget_bytes();
// Calls of at most this many multiply-adds run the direct loops (512).
double direct_call_macs();

// Scratch requests above this fail (LUCID_STATUS_OUT_OF_MEMORY), tier 0's and the JIT
// kernels' heap scratch alike (lucid_kernel_scratch_malloc); unlimited by default.
std::size_t scratch_limit_bytes();

// Process-wide; 0 restores the default budget or limit, a negative threshold the default
// threshold. For tests only.
void set_scratch_budget_bytes_for_testing(std::size_t bytes);
void set_direct_call_macs_for_testing(double macs);
void set_scratch_limit_bytes_for_testing(std::size_t bytes);

}  // namespace lucid::tier0
