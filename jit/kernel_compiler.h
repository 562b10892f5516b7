// spec + schedule + target -> optimised object files: compile_kernels (one module, lucid-aot
// and the tools) and compile_kernel_objects (one module per pass, the JIT). Both run the same
// lowering; their machine code differs only where their pipelines do (compile_kernel_objects
// says where), and their results never differ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"
#include "target.h"

namespace lucid::ir {
enum class Pass;  // ir/lower.h
}

namespace lucid::jit {

struct CompileRequest {
  ConvSpec spec;
  Schedule schedule;   // normalised for spec
  std::string prefix;  // symbols are <prefix>_forward, <prefix>_backward_data, ...
  Target target;
  std::string abi_prefix;     // non-empty: also emit lucid-aot's whole-call entry points
  bool keep_ir = false;       // fill ir_before / ir_after
  bool keep_assembly = false; // fill assembly
  // compile_kernel_objects only: the kernels call the library's packing routine
  // (ir::LoweringOptions::call_pack_rows), so their objects link only where the JIT engine
  // defines it. compile_kernels (lucid-aot) always inlines it.
  bool call_pack_rows = false;
};

struct CompiledObject {
  std::vector<char> object;  // ELF relocatable object
  std::uint64_t code_bytes = 0;  // bytes of executable sections
  double lower_ms = 0, optimize_ms = 0, codegen_ms = 0;
  std::string ir_before, ir_after, assembly;
};

CompiledObject compile_kernels(const CompileRequest& request);

// The order compile_kernel_objects hands the passes to its threads, longest first as far as
// one fixed order can be. Since forward and backward-data share their edge code,
// backward-weight is the longest compile of most suite layers; where forward is longer (long
// strided kernels) forward alone outlasts the other three. From lucid-compile-profile's
// per-pass times, this order finishes the suite's compiles on two threads as early as each
// layer's best order would (all but wide_s1, 3% later), kAllPasses order up to 26% later
// (medians 75 and 81 ms). Measured in lucid-bench-jit's first_call (tier 1 installed, two
// runs): median 96-99 -> 88 ms; hifigan_up1 4-8% later, its forward then starting on the
// helper thread. Once backward-data and -weight called the packing routine (shorter compiles),
// the order still finished within 1.2% of each layer's best (median bounds 68.4 and 67.6 ms).
extern const ir::Pass kCompileOrder[4];  // backward-weight, forward, backward-data, backward-bias

// The JIT's path: each pass lowered, optimised and compiled as its own module (its own
// LLVMContext), on up to `threads` threads, dealt in kCompileOrder. Returns one object per
// pass in kAllPasses order. The modules go through a short pipeline of O3's passes
// (kernel_compiler.cpp says which and why), so their code can differ from compile_kernels'
// (O3) in instruction choice, never in results.
// With `text`, the passes' IR and assembly are appended to it in kAllPasses order (the JIT's
// dumps, which show the code that runs); request's keep_ir and keep_assembly are ignored
// either way, and so is abi_prefix (AOT uses compile_kernels).
std::vector<std::vector<char>> compile_kernel_objects(const CompileRequest& request, int threads,
                                                      CompiledObject* text = nullptr);

// One pass of compile_kernel_objects, on the calling thread; the stage times in the result
// are that thread's CPU milliseconds (lucid-compile-profile reports them).
CompiledObject compile_pass(const CompileRequest& request, ir::Pass pass);

// A tiny object (a vector loop of both element types) through both optimisation pipelines
// (the JIT's short one and compile_kernels' O3), instruction selection and emission. The JIT
// runs it once before its first background compile, on the caller's thread: LLVM keeps
// tables in function-local statics created on first use (e.g. SDNode::getValueTypeList's,
// TargetLibraryInfo's name table), and ones created first on the background thread would be
// destroyed at exit before the engine could stop that thread.
std::vector<char> compile_warm_up(const Target& target);

// Bytes of executable sections in an object file; 0 when it is not a valid object.
std::uint64_t text_bytes(std::string_view object);
inline std::uint64_t text_bytes(const std::vector<char>& object) {
  return text_bytes(std::string_view(object.data(), object.size()));
}

// A symbol prefix that is a valid C identifier and unique per (spec, schedule).
std::string symbol_prefix(const ConvSpec& spec, const Schedule& schedule);

}  // namespace lucid::jit
