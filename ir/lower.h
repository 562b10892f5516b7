// The entry point of ir/: lowers one (ConvSpec, Schedule) to the LLVM IR of its four kernels.
// Used by the JIT (jit/) and the AOT tool alike, so both run the same code.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"

namespace llvm {
class Function;
class Module;
}

namespace lucid::ir {

enum class Pass { Forward, BackwardData, BackwardWeight, BackwardBias };
inline constexpr Pass kAllPasses[] = {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight,
                                      Pass::BackwardBias};

const char* pass_name(Pass pass);

// The largest stride lower_kernels takes: it unrolls one code block per stride phase.
inline constexpr int64_t kMaxUnrolledStride = 1024;  // "forward", "backward_data", ...

// The exported symbol of a pass's kernel: "<prefix>_<pass_name>".
std::string kernel_symbol(const std::string& prefix, Pass pass);
// The packed-weight entries of forward and backward-data (include/lucid/kernel_abi.h):
// "<kernel_symbol>_prepacked", "<kernel_symbol>_pack" and "<kernel_symbol>_packed_bytes".
std::string prepacked_symbol(const std::string& prefix, Pass pass);
std::string pack_symbol(const std::string& prefix, Pass pass);
std::string packed_bytes_symbol(const std::string& prefix, Pass pass);

// The library routine that packs `lanes` rows of `dtype` into lanes
// (tier0::pack_rows_as_lanes_routine), which kernels lowered with call_pack_rows call:
// "lucid_pack_rows_as_lanes_<f32|f64>x<lanes>", with the C signature
// void(const T* src, int64_t src_row_stride, int64_t rows, int64_t columns, T* dst, int64_t dst_column_stride).
std::string pack_rows_symbol(DType dtype, int lanes);

struct LoweringOptions {
  // The row-to-lane packing of backward-data's weights and backward-weight's x calls
  // pack_rows_symbol instead of being inlined: its register transpose is the same in every
  // layer and was a fifth of those passes' compile time. Only for code linked into a process
  // that defines the symbol (the JIT engine, when the library has a routine of the schedule's
  // vector); lucid-aot's objects stand alone and keep it inline.
  bool call_pack_rows = false;
};

// Adds the four kernels to `module` with the C ABI of include/lucid/kernel_abi.h. `schedule`
// must already be normalised for `spec` (lucid::InternalError otherwise). The module's data
// layout and target triple are the caller's to set (they decide the vector ISA).
void lower_kernels(const ConvSpec& spec, const Schedule& schedule, const std::string& prefix,
                   llvm::Module& module);
// The same for some of the passes only (the JIT compiles each pass as its own module, so the
// passes can go through LLVM on different threads).
void lower_kernels(const ConvSpec& spec, const Schedule& schedule, const std::string& prefix,
                   llvm::Module& module, std::span<const Pass> passes, const LoweringOptions& options = {});

// Adds `int64_t symbol(int64_t length)`: the output length, or -1 when length < 1, the
// result < 1 or it overflows int64 (lucid-aot's <prefix>_output_length, in each target's
// object and in the dispatcher). Returns the function it added.
llvm::Function* lower_output_length(const ConvSpec& spec, const std::string& symbol, llvm::Module& module);

// Adds lucid-aot's whole-call C entry points (the ABI of issue 5) on top of the kernels that
// lower_kernels emitted with `kernel_prefix`:
//   int64_t <abi_prefix>_output_length(int64_t length)   (lower_output_length)
//   int <abi_prefix>_forward(x, weight, bias, y, batch, length)
//   int <abi_prefix>_backward_data(grad_y, weight, grad_x, batch, length)
//   int <abi_prefix>_backward_weight(x, grad_y, grad_weight, batch, length)
//   int <abi_prefix>_backward_bias(grad_y, grad_bias, batch, length)
// and, for the packed weights of kernel_abi.h (forward and backward-data alike):
//   int64_t <abi_prefix>_forward_packed_bytes(void)
//   int <abi_prefix>_forward_pack(weight, packed)                 (every pack item)
//   int <abi_prefix>_forward_prepacked(x, weight, bias, packed, y, batch, length)
// Each runs every work item of its kernel and returns the kernel's status; forward returns
// LUCID_STATUS_BAD_ARGUMENT when the layer has a bias and bias is NULL. Where the weight
// (forward, backward-data) or x (backward-weight) holds NaN or Inf, the call runs exact
// plain loops instead (lower_exact_loops.cpp), so NaN and Inf reach the outputs PyTorch's
// sums send them to and no others.
void lower_abi_wrappers(const ConvSpec& spec, const Schedule& schedule,
                        const std::string& kernel_prefix, const std::string& abi_prefix,
                        llvm::Module& module);

}  // namespace lucid::ir
