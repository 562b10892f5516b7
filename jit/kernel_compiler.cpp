// The lowering -> optimisation -> machine code pipeline.
#include "kernel_compiler.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <time.h>

#include "lower.h"
#include "lucid/error.h"

namespace lucid::jit {

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The per-pass stage times are this thread's CPU time, so a busy machine (or the other
// compile thread) does not inflate them.
timespec thread_cpu_now() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t;
}

double thread_cpu_ms_since(timespec start) {
  const timespec now = thread_cpu_now();
  return (now.tv_sec - start.tv_sec) * 1e3 + (now.tv_nsec - start.tv_nsec) * 1e-6;
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& t) {
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(t.triple, error);
  if (!target) throw Error("lucid-jit: no LLVM target for " + t.triple + ": " + error);
  llvm::TargetOptions options;
  // Contract a*b+c into FMA (the lowering asks for fmuladd); no other fast-math: results
  // must stay within the reference's rounding bounds.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      t.triple, t.cpu, t.features, options, llvm::Reloc::PIC_, llvm::CodeModel::Small,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm) throw Error("lucid-jit: cannot create a target machine for " + t.cpu);
  return tm;
}

// Target machines outlive the compiles that use them. A new machine builds its subtarget
// (X86's lowering tables and cost models) when a module first asks for it, which cost 1-2 ms
// of every module's optimisation and codegen (a 1-13 ms module: the bias kernel's is 12).
// A machine serves one compile at a time, so the pool holds at most one per concurrent
// compile; it is never destroyed, since a background compile may still hold one at exit.
class TargetMachinePool {
 public:
  using Lease = std::unique_ptr<llvm::TargetMachine, std::function<void(llvm::TargetMachine*)>>;

  static Lease lease(const Target& target) {
    static auto* pool = new TargetMachinePool;
    std::string key = target.identity();
    std::unique_ptr<llvm::TargetMachine> tm;
    {
      std::lock_guard<std::mutex> lock(pool->mutex_);
      auto& spare = pool->spare_[key];
      if (!spare.empty()) {
        tm = std::move(spare.back());
        spare.pop_back();
      }
    }
    if (!tm) tm = make_target_machine(target);
    return Lease(tm.release(), [key = std::move(key)](llvm::TargetMachine* returned) {
      std::lock_guard<std::mutex> lock(pool->mutex_);
      pool->spare_[key].emplace_back(returned);
    });
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<llvm::TargetMachine>>> spare_;
};

// The optimisation pipelines. The lowering already vectorised, blocked and unrolled its
// loops, so most of O3's ~90 passes change nothing in the machine code, and they still cost
// 27-50% of each compile (each sets up its analyses per function). kShortPipeline keeps the
// passes of O3 whose absence showed in the machine code or the benchmarks:
// - ipsccp, deadargelim: the internal register-block functions take their row count as an
//   argument that is often a constant (full blocks only); propagating it deletes the
//   partial-block paths. Without them grouped4's backward-data and dilated's forward and
//   backward-data came out twice as large and took 60-80% longer in codegen. ipsccp runs
//   without function specialisation, which never changed a suite kernel's machine code
//   (52 of 52 identical) and cost 5% of the pipeline's time.
// - sroa, early-cse, instcombine, simplifycfg: the clean-up of the builder's address
//   arithmetic, selects and branches before instruction selection sees them.
// - reassociate, loop-rotate, indvars: canonical address sums and induction variables, so
//   loop strength reduction puts a block's tap pointers on one base with constant offsets.
//   Without them grouped4's backward-weight inner loop reloaded 5 spilled pointers per
//   12 FMAs instead of 2.
// - simple-loop-unswitch<nontrivial>: loops versioned on invariant conditions (O3 only).
//   Without it the edge tests stayed inside backward-weight's loops (depthwise's kernel had a
//   third of O3's FMA blocks).
// - loop-idiom: zeroing loops become memset calls.
// - licm, gvn: invariant row addresses out of the tap loops; loads repeated across unrolled
//   phases merged. adce and simplifycfg then drop what is left dead.
// - correlated-propagation: backward-weight's edge tests that the value ranges of its loop
//   bounds decide; without it hifigan_up3's backward-weight was 26% larger than under O3 and
//   ran up to 3% slower (encodec_s5). Other passes' code moved by at most 16 bytes (two
//   layers checked).
// - infer-alignment: aligned vector moves where the scratch is aligned, as O3 emits them
//   (small_batch32's forward is byte-identical to O3's with it, 10% slower without).
// Every pass's kernel ran at 0.91-1.04x its O3 time (alternating runs; README, "A new layer:
// tiers and compile time").
// instcombine is spelled with <no-verify-fixpoint>, as the default pipelines run it: the bare
// textual name checks for a fixpoint after one round and aborts the process when there is none.
// A pipeline in an order of its own hands the back end shapes O3 seldom leaves: the random-
// layer tests found one that crashes LLVM 19's instruction selection, now kept out by the
// lowering (ir/lower_forward.cpp, emit_pack_phase_major), and tests/test_codegen_regressions
// holds the layers that met it.
constexpr const char* kShortPipeline =
    "ipsccp<no-func-spec>,deadargelim,"
    "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,reassociate,"
    "loop-mssa(loop-rotate,licm,simple-loop-unswitch<nontrivial>),simplifycfg,"
    "instcombine<no-verify-fixpoint>,loop(loop-idiom,indvars,loop-deletion),gvn,"
    "correlated-propagation,instcombine<no-verify-fixpoint>,simplifycfg,adce,infer-alignment)";

// The JIT's modules go through kShortPipeline, lucid-aot's through O3 (off every user's
// path, and at least as fast for every pass).
enum class Pipeline { kO3, kShort };

void optimize(llvm::Module& module, llvm::TargetMachine& tm, Pipeline pipeline) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // For O3: the lowering vectorised and unrolled exactly what pays; O3's loop vectoriser and
  // unroller on the scalar edge loops would only multiply code size and compile time.
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = false;
  tuning.SLPVectorization = false;
  tuning.LoopInterleaving = false;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder pb(&tm, tuning);  // registers the target's TTI for the cost models
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  if (pipeline == Pipeline::kO3) {
    pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, mam);
    return;
  }
  llvm::ModulePassManager passes;
  if (llvm::Error error = pb.parsePassPipeline(passes, kShortPipeline))
    throw InternalError("lucid-jit: the optimisation pipeline does not parse: " + llvm::toString(std::move(error)));
  passes.run(module, mam);
}

std::vector<char> emit(llvm::Module& module, llvm::TargetMachine& tm, llvm::CodeGenFileType type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream out(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, out, nullptr, type))
    throw InternalError("lucid-jit: the target machine cannot emit this file type");
  pm.run(module);
  return std::vector<char>(buffer.begin(), buffer.end());
}

std::string print(const llvm::Module& module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return text;
}

}  // namespace

std::string symbol_prefix(const ConvSpec& spec, const Schedule& schedule) {
  std::string raw = "lucid_" + spec.key() + "_" + schedule.key();
  for (char& c : raw)
    if (c == '-') c = 'm';
    else if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return raw;
}

CompiledObject compile_kernels(const CompileRequest& request) {
  initialize_llvm();
  CompiledObject result;
  auto tm = TargetMachinePool::lease(request.target);
  llvm::LLVMContext context;
  context.setDiscardValueNames(!request.keep_ir);  // names only matter to a reader of dumps
  llvm::Module module(request.prefix, context);
  module.setTargetTriple(request.target.triple);
  module.setDataLayout(tm->createDataLayout());

  auto start = std::chrono::steady_clock::now();
  ir::lower_kernels(request.spec, request.schedule, request.prefix, module);
  if (!request.abi_prefix.empty())
    ir::lower_abi_wrappers(request.spec, request.schedule, request.prefix, request.abi_prefix, module);
  if (request.keep_ir) result.ir_before = print(module);
  result.lower_ms = ms_since(start);

  start = std::chrono::steady_clock::now();
  // One module holds every pass, so one pipeline serves them all: O3, which every pass's code
  // is at least as fast under (see kShortPipeline). AOT builds are off every user's path.
  optimize(module, *tm, Pipeline::kO3);
  if (request.keep_ir) result.ir_after = print(module);
  result.optimize_ms = ms_since(start);

  start = std::chrono::steady_clock::now();
  if (request.keep_assembly) {
    auto text = emit(module, *tm, llvm::CodeGenFileType::AssemblyFile);
    result.assembly.assign(text.begin(), text.end());
  }
  result.object = emit(module, *tm, llvm::CodeGenFileType::ObjectFile);
  result.codegen_ms = ms_since(start);
  result.code_bytes = text_bytes(result.object);
  return result;
}

std::vector<char> compile_warm_up(const Target& target) {
  initialize_llvm();
  auto tm = TargetMachinePool::lease(target);
  llvm::LLVMContext context;
  llvm::Module module("lucid.warm_up", context);
  module.setTargetTriple(target.triple);
  module.setDataLayout(tm->createDataLayout());
  // out[i] = fma(a[i], b[i], out[i]) over vectors of both element types, in a loop: the
  // shapes every kernel has, so instruction selection builds its tables.
  llvm::IRBuilder<> b(context);
  llvm::Type* ptr = llvm::PointerType::getUnqual(context);
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(b.getVoidTy(), {ptr, ptr, b.getInt64Ty()}, false),
                                    llvm::GlobalValue::ExternalLinkage, "lucid_warm_up", module);
  auto* entry = llvm::BasicBlock::Create(context, "entry", fn);
  auto* loop = llvm::BasicBlock::Create(context, "loop", fn);
  auto* done = llvm::BasicBlock::Create(context, "done", fn);
  b.SetInsertPoint(entry);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode* i = b.CreatePHI(b.getInt64Ty(), 2);
  i->addIncoming(b.getInt64(0), entry);
  const unsigned lanes = static_cast<unsigned>(std::max(4, target.vector_bits / 32));
  for (llvm::Type* element : {b.getFloatTy(), b.getDoubleTy()}) {
    llvm::Type* vector = llvm::FixedVectorType::get(element, lanes);
    llvm::Value* at = b.CreateGEP(vector, fn->getArg(0), i);
    llvm::Value* x = b.CreateLoad(vector, b.CreateGEP(vector, fn->getArg(1), i));
    llvm::Value* y = b.CreateLoad(vector, at);
    b.CreateStore(b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {vector}, {x, x, y}), at);
  }
  llvm::Value* next = b.CreateAdd(i, b.getInt64(1));
  i->addIncoming(next, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, fn->getArg(2)), loop, done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();
  // Both pipelines. O3's passes (LazyCallGraph's library-function lookups, for one) create
  // statics the short pipeline never touches: when backward-weight still compiled with O3 and
  // the warm-up ran only the short one, a process exiting during that compile spun in a
  // destroyed table (test_jit_exit). The JIT runs only the short one now; O3 stays here for
  // compile_kernels on a thread of its own, and costs nothing measurable (both together took
  // 14-19 ms over 5 cold runs, as either alone).
  optimize(module, *tm, Pipeline::kShort);
  optimize(module, *tm, Pipeline::kO3);
  return emit(module, *tm, llvm::CodeGenFileType::ObjectFile);
}

CompiledObject compile_pass(const CompileRequest& request, ir::Pass pass) {
  initialize_llvm();
  CompiledObject result;
  auto tm = TargetMachinePool::lease(request.target);
  llvm::LLVMContext context;
  context.setDiscardValueNames(!request.keep_ir);
  llvm::Module module(request.prefix + "." + ir::pass_name(pass), context);
  module.setTargetTriple(request.target.triple);
  module.setDataLayout(tm->createDataLayout());

  auto start = thread_cpu_now();
  ir::lower_kernels(request.spec, request.schedule, request.prefix, module, std::span(&pass, 1),
                    {.call_pack_rows = request.call_pack_rows});
  result.lower_ms = thread_cpu_ms_since(start);
  // The stage times leave out the texts, which only dumps ask for.
  if (request.keep_ir) result.ir_before = print(module);
  start = thread_cpu_now();
  optimize(module, *tm, Pipeline::kShort);
  result.optimize_ms = thread_cpu_ms_since(start);
  if (request.keep_ir) result.ir_after = print(module);
  if (request.keep_assembly) {
    auto text = emit(module, *tm, llvm::CodeGenFileType::AssemblyFile);
    result.assembly.assign(text.begin(), text.end());
  }
  start = thread_cpu_now();
  result.object = emit(module, *tm, llvm::CodeGenFileType::ObjectFile);
  result.codegen_ms = thread_cpu_ms_since(start);
  return result;
}

constexpr ir::Pass kCompileOrder[4] = {ir::Pass::BackwardWeight, ir::Pass::Forward, ir::Pass::BackwardData,
                                       ir::Pass::BackwardBias};

std::vector<std::vector<char>> compile_kernel_objects(const CompileRequest& request, int threads,
                                                      CompiledObject* text) {
  constexpr std::size_t kPasses = std::size(ir::kAllPasses);
  static_assert(
      [] {
        bool each_once[kPasses] = {};
        for (std::size_t i = 0; i < kPasses; ++i) {
          if (static_cast<std::size_t>(ir::kAllPasses[i]) != i) return false;  // Pass is its index
          const auto n = static_cast<std::size_t>(kCompileOrder[i]);
          if (n >= kPasses || each_once[n]) return false;
          each_once[n] = true;
        }
        return std::size(kCompileOrder) == kPasses;
      }(),
      "kCompileOrder must deal every pass of kAllPasses once");
  // The texts are made exactly when someone takes them: printing a module costs about as much
  // as lowering it.
  CompileRequest job = request;
  job.keep_ir = job.keep_assembly = text != nullptr;
  std::vector<CompiledObject> compiled(kPasses);
  std::vector<std::exception_ptr> errors(kPasses);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t n; (n = next.fetch_add(1)) < kPasses;) {
      const ir::Pass pass = kCompileOrder[n];
      const auto i = static_cast<std::size_t>(pass);  // the result's place: kAllPasses order
      try {
        compiled[i] = compile_pass(job, pass);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const int helpers = std::clamp(threads, 1, static_cast<int>(kPasses)) - 1;
  std::vector<std::thread> pool;
  for (int t = 0; t < helpers; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<std::vector<char>> objects;
  for (CompiledObject& pass : compiled) {
    if (text) {
      text->ir_before += pass.ir_before;
      text->ir_after += pass.ir_after;
      text->assembly += pass.assembly;
    }
    objects.push_back(std::move(pass.object));
  }
  return objects;
}

std::uint64_t text_bytes(std::string_view object) {
  llvm::MemoryBufferRef ref(llvm::StringRef(object.data(), object.size()), "kernels.o");
  auto file = llvm::object::ObjectFile::createObjectFile(ref);
  if (!file) {
    // Intentional: the size is statistics only (KernelSet::code_bytes); an unreadable object
    // fails with LLVM's message where it is linked.
    llvm::consumeError(file.takeError());
    return 0;
  }
  std::uint64_t bytes = 0;
  for (const auto& section : (*file)->sections())
    if (section.isText()) bytes += section.getSize();
  return bytes;
}

}  // namespace lucid::jit
