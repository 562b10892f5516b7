// build_kernel_set: one layer -> the bytes of every file lucid-aot writes for it (objects,
// header, archive, IR, assembly), compiled with the JIT's own pipeline (compile_kernels).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aot_options.h"
#include "lucid/conv_spec.h"
#include "target.h"

namespace lucid_aot {

// A --target entry, resolved.
struct NamedTarget {
  std::string name;  // as the user wrote it, e.g. "x86-64-v3" or "host"
  lucid::jit::Target target;
};

struct KernelSetFiles {
  std::vector<std::pair<std::string, std::vector<char>>> files;  // (file name, contents)
  std::vector<std::string> log;  // one line per compiled object, for the user
};

// The default symbol prefix: "lucid_" + the spec key with every non-identifier character
// replaced ('.' -> '_', '-' -> 'm'), e.g. lucid_ct1d_f32_ci4_co2_k3_s2_pl1_pr1_op1_d1_g1_b1.
std::string default_prefix(const lucid::ConvSpec& spec);

// Each target is compiled with Schedule::default_for(spec, its vector bits), normalised: for
// target "host" that is exactly the JIT's default, so the code is the JIT's, bit for bit.
// One target: PREFIX.o defines PREFIX_* directly. Several: PREFIX.<target>.o defines
// PREFIX_<target>_* and PREFIX.dispatch.o defines PREFIX_* (see dispatcher.h).
KernelSetFiles build_kernel_set(const lucid::ConvSpec& spec, const std::string& prefix,
                                const std::vector<NamedTarget>& targets, const AotOptions& emit);

}  // namespace lucid_aot
