// build_kernel_set: schedules per target, compile_kernels per target, then the dispatcher,
// header and archive around them.
#include "kernel_set_builder.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "c_header.h"
#include "cpu_requirements.h"
#include "dispatcher.h"
#include "host_info.h"
#include "kernel_compiler.h"
#include "lucid/error.h"
#include "lucid/schedule.h"
#include "static_archive.h"

namespace lucid_aot {

namespace {

std::string c_identifier(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '-') c = 'm';
    else if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

// x86-64-v3 -> x86_64_v3, for per-target symbols.
std::string target_identifier(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

std::vector<char> bytes(const std::string& text) { return std::vector<char>(text.begin(), text.end()); }

// The schedule knobs that decide the range entry points' item counts; the dispatcher needs
// them equal across targets so one header serves all.
bool same_items(const lucid::Schedule& a, const lucid::Schedule& b) {
  return a.fwd_block_co == b.fwd_block_co && a.bwd_data_block_ci == b.bwd_data_block_ci &&
         a.bwd_weight_block_ci == b.bwd_weight_block_ci;
}

struct TargetBuild {
  NamedTarget named;
  lucid::Schedule schedule;
  std::string abi_prefix, kernel_prefix, file_stem;
  lucid::jit::CompiledObject compiled;
};

}  // namespace

std::string default_prefix(const lucid::ConvSpec& spec) { return "lucid_" + c_identifier(spec.key()); }

KernelSetFiles build_kernel_set(const lucid::ConvSpec& spec, const std::string& prefix,
                                const std::vector<NamedTarget>& targets, const AotOptions& emit) {
  const bool multi = targets.size() > 1;
  KernelSetFiles out;
  std::vector<TargetBuild> builds;
  std::vector<std::pair<std::string, std::vector<char>>> objects;

  // 1. One object per target, through the JIT's pipeline. Each schedule takes the building
  // host's threads and caches, as the JIT's default, so target "host" gets the JIT's schedule.
  for (const NamedTarget& t : targets) {
    TargetBuild build{t, lucid::jit::default_schedule(spec, lucid::jit::host_info_for(t.target)), "", "", "", {}};
    // Every target of one build splits a call into the same work items (the header's item
    // counts and range entry points are shared): the first target's, refitted to each.
    if (!builds.empty()) build.schedule = build.schedule.with_work_items_of(builds.front().schedule, spec);
    if (!builds.empty() && !same_items(build.schedule, builds.front().schedule))
      throw lucid::InternalError(fmt::format("lucid-aot: schedules {} and {} split work differently",
                                     build.schedule.key(), builds.front().schedule.key()));
    build.abi_prefix = multi ? prefix + "_" + target_identifier(t.name) : prefix;
    build.kernel_prefix = build.abi_prefix + "_range";
    build.file_stem = multi ? prefix + "." + t.name : prefix;
    lucid::jit::CompileRequest request{spec, build.schedule, build.kernel_prefix, t.target, build.abi_prefix,
                                       emit.emit_ll, emit.emit_asm};
    build.compiled = lucid::jit::compile_kernels(request);
    const auto& c = build.compiled;
    out.log.push_back(fmt::format("{}.o: {} for {} (cpu {}), schedule {}, {} code bytes, {:.0f} ms",
                                  build.file_stem, spec.to_string(), t.name, t.target.cpu, build.schedule.key(),
                                  c.code_bytes, c.lower_ms + c.optimize_ms + c.codegen_ms));
    objects.emplace_back(build.file_stem + ".o", c.object);
    if (emit.emit_ll) out.files.emplace_back(build.file_stem + ".ll", bytes(c.ir_after));
    if (emit.emit_asm) out.files.emplace_back(build.file_stem + ".s", bytes(c.assembly));
    builds.push_back(std::move(build));
  }

  // 2. The dispatcher: richest ISA first (widest vectors, then most required CPUID bits);
  // ties keep the --target order.
  if (multi) {
    std::vector<DispatchEntry> ranked;
    std::vector<int> widths;
    for (const TargetBuild& b : builds) {
      ranked.push_back({b.named.name, b.abi_prefix, b.kernel_prefix, cpu_requirements(b.named.target.features)});
      widths.push_back(b.named.target.vector_bits);
    }
    std::vector<size_t> order(ranked.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (widths[a] != widths[b]) return widths[a] > widths[b];
      return ranked[a].requirements.bit_count() > ranked[b].requirements.bit_count();
    });
    std::vector<DispatchEntry> sorted;
    for (size_t i : order) sorted.push_back(ranked[i]);
    DispatcherObject d = compile_dispatcher(spec, prefix, sorted, emit.emit_ll, emit.emit_asm);
    std::string ranking;
    for (const DispatchEntry& e : sorted) ranking += (ranking.empty() ? "" : " > ") + e.target_name;
    out.log.push_back(fmt::format("{}.dispatch.o: picks the first the CPU supports of {}", prefix, ranking));
    objects.emplace_back(prefix + ".dispatch.o", d.object);
    if (emit.emit_ll) out.files.emplace_back(prefix + ".dispatch.ll", bytes(d.ir));
    if (emit.emit_asm) out.files.emplace_back(prefix + ".dispatch.s", bytes(d.assembly));
  }

  // 3. Header, objects, archive.
  if (emit.emit_header) {
    std::vector<HeaderTarget> described;
    for (const TargetBuild& b : builds) described.push_back({b.named.name, b.named.target.cpu, b.schedule.key()});
    out.files.emplace_back(prefix + ".h", bytes(c_header(spec, prefix, builds.front().schedule, described, multi)));
  }
  if (emit.emit_static_lib) out.files.emplace_back("lib" + prefix + ".a", static_archive(objects));
  if (emit.emit_object)
    for (auto& o : objects) out.files.push_back(std::move(o));
  return out;
}

}  // namespace lucid_aot
