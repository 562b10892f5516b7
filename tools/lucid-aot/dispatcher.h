// The multi-target dispatcher: one small object that defines PREFIX_forward, ... and forwards
// each call to the best per-target object the running CPU supports (Halide's multi-target
// pattern).
//
// It is generated as LLVM IR here rather than as C for the system compiler: lucid-aot then
// needs no C compiler, the dispatcher is built for the same triple and ABI as the kernels,
// and it is compiled for the baseline x86-64 CPU so it runs on any x86-64 machine.
#pragma once

#include <string>
#include <vector>

#include "cpu_requirements.h"
#include "lucid/conv_spec.h"

namespace lucid_aot {

// One target's object, as the dispatcher sees it.
struct DispatchEntry {
  std::string target_name;    // as given to --target; what PREFIX_selected_target() returns
  std::string abi_prefix;     // its whole-call entry points: <abi_prefix>_forward, ...
  std::string kernel_prefix;  // its range entry points: <kernel_prefix>_forward, ...
  CpuRequirements requirements;
};

struct DispatcherObject {
  std::vector<char> object;
  std::string ir;        // filled when asked for
  std::string assembly;  // filled when asked for
};

// `ranked` is in order of preference: the first entry whose requirements the CPU meets is
// chosen on the first call, and the choice is kept for the life of the process. Defines
//   PREFIX_output_length (computed here: it needs no target),
//   PREFIX_forward, _backward_data, _backward_weight, _backward_bias,
//   PREFIX_range_forward, ... (the range entry points),
//   PREFIX_forward_packed_bytes, _forward_pack, _forward_prepacked and their _range twins,
//   and the same for backward_data (packed weights),
//   const char *PREFIX_selected_target(void)   ("none" when no entry fits).
// With no entry fitting, the entry points return LUCID_STATUS_UNSUPPORTED_CPU
// (LUCID_AOT_STATUS_UNSUPPORTED_CPU in the header).
DispatcherObject compile_dispatcher(const lucid::ConvSpec& spec, const std::string& prefix,
                                    const std::vector<DispatchEntry>& ranked, bool keep_ir,
                                    bool keep_assembly);

}  // namespace lucid_aot
