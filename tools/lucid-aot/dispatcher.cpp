// Dispatcher IR: CPUID/XGETBV through inline assembly, a cached choice, one forwarding
// function per entry point.
#include "dispatcher.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <memory>

#include "lower.h"
#include "lucid/error.h"
#include "lucid/kernel_abi.h"
#include "target.h"

namespace lucid_aot {

using namespace llvm;

namespace {


// {eax, ebx, ecx, edx} of CPUID(leaf, subleaf). CPUID never faults, whatever the leaf.
Value* cpuid(IRBuilder<>& b, uint32_t leaf, uint32_t subleaf) {
  Type* i32 = b.getInt32Ty();
  auto* result = StructType::get(b.getContext(), {i32, i32, i32, i32});
  auto* asm_fn = InlineAsm::get(FunctionType::get(result, {i32, i32}, false), "cpuid",
                                "={ax},={bx},={cx},={dx},{ax},{cx},~{dirflag},~{fpsr},~{flags}",
                                /*hasSideEffects=*/true);
  return b.CreateCall(asm_fn, {b.getInt32(leaf), b.getInt32(subleaf)}, "cpuid");
}

// internal i32 select_target(): index of the first entry the CPU supports, else ranked.size().
Function* emit_select_target(Module& m, const std::string& prefix, const std::vector<DispatchEntry>& ranked) {
  LLVMContext& c = m.getContext();
  IRBuilder<> b(c);
  Type* i32 = b.getInt32Ty();
  auto* fn = Function::Create(FunctionType::get(i32, false), GlobalValue::InternalLinkage,
                              prefix + ".select_target", m);
  fn->addFnAttr(Attribute::NoInline);
  auto* entry = BasicBlock::Create(c, "entry", fn);
  auto* read_xcr0 = BasicBlock::Create(c, "read_xcr0", fn);
  auto* decide = BasicBlock::Create(c, "decide", fn);
  b.SetInsertPoint(entry);

  Value* zero = b.getInt32(0);
  auto field = [&](Value* regs, unsigned i) { return b.CreateExtractValue(regs, i); };
  // A leaf above the CPU's maximum returns unrelated data, so such words read as 0.
  Value* max_leaf = field(cpuid(b, 0, 0), 0);
  Value* max_ext = field(cpuid(b, 0x80000000u, 0), 0);
  Value* leaf1 = cpuid(b, 1, 0);
  Value* has7 = b.CreateICmpUGE(max_leaf, b.getInt32(7));
  Value* leaf7 = cpuid(b, 7, 0);
  Value* has7_1 = b.CreateAnd(has7, b.CreateICmpUGE(field(leaf7, 0), b.getInt32(1)));
  Value* leaf7_1 = cpuid(b, 7, 1);
  Value* has_ext1 = b.CreateICmpUGE(max_ext, b.getInt32(0x80000001u));
  Value* ext1 = cpuid(b, 0x80000001u, 0);
  Value* words[kCpuWordCount];
  words[kLeaf1Ecx] = field(leaf1, 2);
  words[kLeaf1Edx] = field(leaf1, 3);
  words[kLeaf7Ebx] = b.CreateSelect(has7, field(leaf7, 1), zero);
  words[kLeaf7Ecx] = b.CreateSelect(has7, field(leaf7, 2), zero);
  words[kLeaf7Edx] = b.CreateSelect(has7, field(leaf7, 3), zero);
  words[kLeaf7Sub1Eax] = b.CreateSelect(has7_1, field(leaf7_1, 0), zero);
  words[kExt1Ecx] = b.CreateSelect(has_ext1, field(ext1, 2), zero);
  words[kExt1Edx] = b.CreateSelect(has_ext1, field(ext1, 3), zero);
  // XGETBV faults unless the OS set CR4.OSXSAVE, which CPUID.1:ECX bit 27 reports.
  Value* osxsave = b.CreateICmpNE(b.CreateAnd(words[kLeaf1Ecx], b.getInt32(1u << 27)), zero);
  b.CreateCondBr(osxsave, read_xcr0, decide);

  b.SetInsertPoint(read_xcr0);
  auto* xgetbv = InlineAsm::get(FunctionType::get(StructType::get(c, {i32, i32}), {i32}, false),
                                ".byte 0x0f, 0x01, 0xd0", "={ax},={dx},{cx},~{dirflag},~{fpsr},~{flags}",
                                /*hasSideEffects=*/true);
  Value* xcr0_low = b.CreateExtractValue(b.CreateCall(xgetbv, {zero}, "xgetbv"), 0);
  b.CreateBr(decide);

  b.SetInsertPoint(decide);
  PHINode* xcr0 = b.CreatePHI(i32, 2, "xcr0");
  xcr0->addIncoming(zero, entry);
  xcr0->addIncoming(xcr0_low, read_xcr0);
  words[kXcr0] = xcr0;
  Value* choice = b.getInt32(static_cast<uint32_t>(ranked.size()));
  for (size_t i = ranked.size(); i-- > 0;) {
    Value* ok = b.getTrue();
    for (int w = 0; w < kCpuWordCount; ++w) {
      uint32_t mask = ranked[i].requirements.mask[w];
      if (mask == 0) continue;
      ok = b.CreateAnd(ok, b.CreateICmpEQ(b.CreateAnd(words[w], b.getInt32(mask)), b.getInt32(mask)));
    }
    choice = b.CreateSelect(ok, b.getInt32(static_cast<uint32_t>(i)), choice,
                            "supports." + ranked[i].target_name);
  }
  b.CreateRet(choice);
  return fn;
}

// internal i32 choice(): select_target() on the first call, then the cached answer. Racing
// first calls compute the same value and publish it with release/acquire atomics, so no lock
// (and no libc or pthread dependency) is needed.
Function* emit_choice(Module& m, const std::string& prefix, Function* select_target) {
  LLVMContext& c = m.getContext();
  IRBuilder<> b(c);
  Type* i32 = b.getInt32Ty();
  auto* cached = new GlobalVariable(m, i32, false, GlobalValue::InternalLinkage, b.getInt32(-1),
                                    prefix + ".chosen_target");
  auto* fn = Function::Create(FunctionType::get(i32, false), GlobalValue::InternalLinkage, prefix + ".choice", m);
  auto* entry = BasicBlock::Create(c, "entry", fn);
  auto* first = BasicBlock::Create(c, "first_call", fn);
  auto* known = BasicBlock::Create(c, "known", fn);
  b.SetInsertPoint(entry);
  LoadInst* value = b.CreateAlignedLoad(i32, cached, Align(4), "cached");
  value->setAtomic(AtomicOrdering::Acquire);
  b.CreateCondBr(b.CreateICmpSLT(value, b.getInt32(0)), first, known);
  b.SetInsertPoint(known);
  b.CreateRet(value);
  b.SetInsertPoint(first);
  Value* chosen = b.CreateCall(select_target, {}, "chosen");
  StoreInst* store = b.CreateAlignedStore(chosen, cached, Align(4));
  store->setAtomic(AtomicOrdering::Release);
  b.CreateRet(chosen);
  return fn;
}

// Defines `symbol` with `type`; calls <entry prefix><suffix> of the chosen entry. With no
// entry fitting, an int function returns LUCID_STATUS_UNSUPPORTED_CPU and a packed-bytes one
// 0 (nothing to pack: the calls that follow report the CPU).
void emit_forwarder(Module& m, FunctionType* type, const std::string& symbol, const std::string& suffix,
                    bool range, const std::vector<DispatchEntry>& ranked, Function* choice) {
  LLVMContext& c = m.getContext();
  IRBuilder<> b(c);
  auto* fn = Function::Create(type, GlobalValue::ExternalLinkage, symbol, m);
  auto* entry = BasicBlock::Create(c, "entry", fn);
  auto* none = BasicBlock::Create(c, "unsupported_cpu", fn);
  b.SetInsertPoint(none);
  if (type->getReturnType()->isIntegerTy(32)) b.CreateRet(b.getInt32(LUCID_STATUS_UNSUPPORTED_CPU));
  else b.CreateRet(ConstantInt::get(type->getReturnType(), 0));
  b.SetInsertPoint(entry);
  std::vector<Value*> args;
  for (auto& a : fn->args()) args.push_back(&a);
  SwitchInst* sw = b.CreateSwitch(b.CreateCall(choice, {}, "target"), none, ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    auto* call_block = BasicBlock::Create(c, "call." + ranked[i].target_name, fn);
    sw->addCase(b.getInt32(static_cast<uint32_t>(i)), call_block);
    b.SetInsertPoint(call_block);
    const std::string& target_prefix = range ? ranked[i].kernel_prefix : ranked[i].abi_prefix;
    FunctionCallee callee = m.getOrInsertFunction(target_prefix + suffix, type);
    CallInst* call = b.CreateCall(callee, args);
    call->setTailCall();
    b.CreateRet(call);
  }
}

// const char *PREFIX_selected_target(void)
void emit_selected_target(Module& m, const std::string& prefix, const std::vector<DispatchEntry>& ranked,
                          Function* choice) {
  LLVMContext& c = m.getContext();
  IRBuilder<> b(c);
  auto* fn = Function::Create(FunctionType::get(b.getPtrTy(), false), GlobalValue::ExternalLinkage,
                              prefix + "_selected_target", m);
  b.SetInsertPoint(BasicBlock::Create(c, "entry", fn));
  std::vector<Constant*> names;
  for (const DispatchEntry& e : ranked) names.push_back(b.CreateGlobalStringPtr(e.target_name, prefix + ".name"));
  names.push_back(b.CreateGlobalStringPtr("none", prefix + ".name"));
  auto* table_type = ArrayType::get(b.getPtrTy(), names.size());
  auto* table = new GlobalVariable(m, table_type, true, GlobalValue::InternalLinkage,
                                   ConstantArray::get(table_type, names), prefix + ".target_names");
  Value* index = b.CreateZExt(b.CreateCall(choice, {}), b.getInt64Ty());
  Value* slot = b.CreateInBoundsGEP(table_type, table, {b.getInt64(0), index});
  b.CreateRet(b.CreateLoad(b.getPtrTy(), slot));
}

std::vector<char> emit(Module& m, TargetMachine& tm, CodeGenFileType type) {
  SmallVector<char, 0> buffer;
  raw_svector_ostream out(buffer);
  legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, out, nullptr, type))
    throw lucid::InternalError("lucid-aot: the target machine cannot emit the dispatcher");
  pm.run(m);
  return std::vector<char>(buffer.begin(), buffer.end());
}

}  // namespace

DispatcherObject compile_dispatcher(const lucid::ConvSpec& spec, const std::string& prefix,
                                    const std::vector<DispatchEntry>& ranked, bool keep_ir,
                                    bool keep_assembly) {
  lucid::jit::Target baseline = lucid::jit::resolve_target("x86-64");
  std::string error;
  const llvm::Target* target = TargetRegistry::lookupTarget(baseline.triple, error);
  if (!target) throw lucid::Error("lucid-aot: no LLVM target for " + baseline.triple + ": " + error);
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      baseline.triple, baseline.cpu, baseline.features, TargetOptions(), Reloc::PIC_,
      CodeModel::Small, CodeGenOptLevel::Default));
  if (!tm) throw lucid::Error("lucid-aot: cannot create a target machine for " + baseline.cpu);

  LLVMContext context;
  Module m(prefix + ".dispatch", context);
  m.setTargetTriple(baseline.triple);
  m.setDataLayout(tm->createDataLayout());

  Function* choice = emit_choice(m, prefix, emit_select_target(m, prefix, ranked));
  Type* ptr = PointerType::getUnqual(context);
  Type* i64 = Type::getInt64Ty(context);
  Type* i32 = Type::getInt32Ty(context);
  // Every entry point of c_header.h: (suffix, pointer arguments, whether it takes batch and
  // length, whether a _range twin exists).
  struct Entry {
    const char* suffix;
    int pointers;
    bool sized;
    bool ranged;
  };
  const Entry entries[] = {
      {"_forward", 4, true, true},           {"_backward_data", 3, true, true},
      {"_backward_weight", 3, true, true},   {"_backward_bias", 2, true, true},
      {"_forward_prepacked", 5, true, true}, {"_backward_data_prepacked", 4, true, true},
      {"_forward_pack", 2, false, true},     {"_backward_data_pack", 2, false, true},
      {"_forward_packed_bytes", 0, false, false}, {"_backward_data_packed_bytes", 0, false, false},
  };
  for (const Entry& e : entries) {
    Type* result = e.pointers == 0 ? i64 : i32;  // only packed_bytes takes no pointer
    std::vector<Type*> params(e.pointers, ptr);
    if (e.sized) params.insert(params.end(), 2, i64);  // batch, length
    emit_forwarder(m, FunctionType::get(result, params, false), prefix + e.suffix, e.suffix, false, ranked, choice);
    if (!e.ranged) continue;
    params.insert(params.end(), 2, i64);  // item_begin, item_end
    emit_forwarder(m, FunctionType::get(result, params, false), prefix + "_range" + e.suffix, e.suffix, true, ranked,
                   choice);
  }
  lucid::ir::lower_output_length(spec, prefix + "_output_length", m);  // needs no target
  emit_selected_target(m, prefix, ranked, choice);

  std::string problems;
  raw_string_ostream os(problems);
  if (verifyModule(m, &os)) {
    m.print(errs(), nullptr);
    throw lucid::InternalError("lucid-aot: the dispatcher IR does not verify: " + problems);
  }
  DispatcherObject result;
  if (keep_ir) {
    raw_string_ostream ir(result.ir);
    m.print(ir, nullptr);
  }
  if (keep_assembly) {
    auto text = emit(m, *tm, CodeGenFileType::AssemblyFile);
    result.assembly.assign(text.begin(), text.end());
  }
  result.object = emit(m, *tm, CodeGenFileType::ObjectFile);
  return result;
}

}  // namespace lucid_aot
