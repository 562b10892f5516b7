// lucid-aot's C entry points: each runs its kernel over every work item of the call.
// Emitted as IR next to the kernels so an AOT object needs nothing but libc.
#include <llvm/IR/Intrinsics.h>

#include "lowering.h"
#include "lucid/work_items.h"

namespace lucid::ir {

using namespace llvm;

Function* lower_output_length(const ConvSpec& spec, const std::string& symbol, Module& module) {
  LLVMContext& c = module.getContext();
  Type* i64 = Type::getInt64Ty(c);
  IRBuilder<> b(c);
  auto* fn = Function::Create(FunctionType::get(i64, {i64}, false), GlobalValue::ExternalLinkage, symbol, module);
  Value* length = fn->getArg(0);
  length->setName("length");
  b.SetInsertPoint(BasicBlock::Create(c, "entry", fn));
  // (length - 1)*stride can overflow int64 for a huge length; such a length answers -1 too.
  Value* scaled = b.CreateBinaryIntrinsic(Intrinsic::smul_with_overflow, b.CreateSub(length, b.getInt64(1)),
                                          b.getInt64(static_cast<uint64_t>(spec.stride)), nullptr, "scaled");
  Value* out = b.CreateBinaryIntrinsic(
      Intrinsic::sadd_with_overflow, b.CreateExtractValue(scaled, 0),
      b.getInt64(static_cast<uint64_t>(spec.output_length_offset())),
      nullptr, "sum");
  Value* overflow = b.CreateOr(b.CreateExtractValue(scaled, 1), b.CreateExtractValue(out, 1), "overflows");
  Value* out_length = b.CreateExtractValue(out, 0, "out_length");
  Value* bad = b.CreateOr(b.CreateOr(b.CreateICmpSLT(length, b.getInt64(1)), overflow),
                          b.CreateICmpSLT(out_length, b.getInt64(1)));
  b.CreateRet(b.CreateSelect(bad, b.getInt64(static_cast<uint64_t>(-1)), out_length));
  return fn;
}

namespace {

// Runs the kernel over items [0, end), or the exact loops where the weight (forward,
// backward-data) or x (backward-weight) holds NaN or Inf, and returns the status. The kernel
// checks the sizes first (an empty range: it reports a bad batch, length or overflowing size
// before it looks at the range). `args` are the kernel's, `operands` the pass's own pointers
// (without a packed copy), as the exact loops take them.
// A forward whose y is smaller than its weight runs the kernel first and checks the weight
// only when y is not all finite, as the runtime does (conv_transpose1d_function.cpp): PyTorch's
// forward takes only the formula's products, and any product of a NaN or Inf is not finite,
// so a finite y is exact whatever the weight. hifigan_up1 checked its 8 MiB weight in 8.6%
// of a forward call's samples (README, "Where the time goes"). The backward passes keep the
// operand first: PyTorch's backward also multiplies zero padding, which the kernels may not.
void emit_checked_call(IRBuilder<>& b, const ConvSpec& spec, Function* kernel, const ExactLoops& exact,
                       Function* output_length, Pass pass, const std::vector<Value*>& args,
                       const std::vector<Value*>& operands, Value* batch, Value* length, Value* end) {
  LLVMContext& c = b.getContext();
  Function* fn = b.GetInsertBlock()->getParent();
  auto call_kernel = [&](Value* item_end, const char* name) {
    std::vector<Value*> call_args = args;
    call_args.push_back(b.getInt64(0));
    call_args.push_back(item_end);
    return b.CreateCall(kernel, call_args, name);
  };
  auto return_unless_ok = [&](Value* status, const char* name) {
    BasicBlock* failed = BasicBlock::Create(c, std::string(name) + ".failed", fn);
    BasicBlock* ok = BasicBlock::Create(c, std::string(name) + ".ok", fn);
    b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(LUCID_STATUS_OK)), failed, ok);
    b.SetInsertPoint(failed);
    b.CreateRet(status);
    b.SetInsertPoint(ok);
  };
  return_unless_ok(call_kernel(b.getInt64(0), "sizes"), "sizes");
  Value* out_length = b.CreateCall(output_length, {length}, "out_length");  // valid: the kernel checked it

  // The operand the kernels multiply by zero padding, and its element count.
  const bool weight_operand = pass != Pass::BackwardWeight;
  Value* operand = weight_operand ? operands[1] : operands[0];
  Value* count = weight_operand ? b.getInt64(static_cast<uint64_t>(spec.weight_numel()))
                                : b.CreateMul(b.CreateMul(batch, b.getInt64(static_cast<uint64_t>(spec.in_channels))), length);
  BasicBlock* exact_block = BasicBlock::Create(c, "exact", fn);
  BasicBlock* fast_block = BasicBlock::Create(c, "fast", fn);
  if (pass == Pass::Forward) {
    // y's element count fits int64: the kernel has checked it.
    Value* y_count =
        b.CreateMul(b.CreateMul(batch, b.getInt64(static_cast<uint64_t>(spec.out_channels))), out_length, "y_count");
    BasicBlock* output_first = BasicBlock::Create(c, "output_first", fn);
    BasicBlock* weight_first = BasicBlock::Create(c, "weight_first", fn);
    b.CreateCondBr(b.CreateICmpSLT(y_count, count), output_first, weight_first);
    b.SetInsertPoint(output_first);
    return_unless_ok(call_kernel(end, "status"), "run");
    BasicBlock* done = BasicBlock::Create(c, "done", fn);
    BasicBlock* check_weight = BasicBlock::Create(c, "check_weight", fn);
    b.CreateCondBr(b.CreateCall(exact.all_finite, {operands.back(), y_count}, "y_finite"), done, check_weight);
    b.SetInsertPoint(check_weight);
    b.CreateCondBr(b.CreateCall(exact.all_finite, {operand, count}, "weight_finite"), done, exact_block);
    b.SetInsertPoint(done);
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    b.SetInsertPoint(weight_first);
  }
  b.CreateCondBr(b.CreateCall(exact.all_finite, {operand, count}, "finite"), fast_block, exact_block);
  b.SetInsertPoint(exact_block);
  std::vector<Value*> exact_args = operands;
  exact_args.push_back(batch);
  exact_args.push_back(length);
  exact_args.push_back(out_length);
  Function* loops = pass == Pass::Forward ? exact.forward : pass == Pass::BackwardData ? exact.backward_data
                                                                                        : exact.backward_weight;
  b.CreateCall(loops, exact_args);
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  b.SetInsertPoint(fast_block);
  b.CreateRet(call_kernel(end, "status"));
}

// Adds <abi_prefix>_<pass>_packed_bytes() and <abi_prefix>_<pass>_pack(weight, packed): the
// kernels' own, over every pack item.
void emit_pack_wrappers(const ConvSpec& spec, const Schedule& schedule, const std::string& kernel_prefix,
                        const std::string& abi_prefix, Pass pass, Module& module) {
  LLVMContext& c = module.getContext();
  Type* ptr = PointerType::getUnqual(c);
  IRBuilder<> b(c);
  const std::string name = std::string("_") + pass_name(pass);
  Function* kernel_bytes = module.getFunction(packed_bytes_symbol(kernel_prefix, pass));
  auto* bytes = Function::Create(kernel_bytes->getFunctionType(), GlobalValue::ExternalLinkage,
                                 abi_prefix + name + "_packed_bytes", module);
  b.SetInsertPoint(BasicBlock::Create(c, "entry", bytes));
  b.CreateRet(b.CreateCall(kernel_bytes, {}));

  Function* kernel_pack = module.getFunction(pack_symbol(kernel_prefix, pass));
  auto* pack = Function::Create(FunctionType::get(Type::getInt32Ty(c), {ptr, ptr}, false), GlobalValue::ExternalLinkage,
                                abi_prefix + name + "_pack", module);
  pack->getArg(0)->setName("weight");
  pack->getArg(1)->setName("packed");
  const int64_t items = pass == Pass::Forward ? forward_pack_items(spec, schedule) : backward_data_pack_items(spec, schedule);
  b.SetInsertPoint(BasicBlock::Create(c, "entry", pack));
  b.CreateRet(b.CreateCall(kernel_pack, {pack->getArg(0), pack->getArg(1), b.getInt64(0),
                                         b.getInt64(static_cast<uint64_t>(items))}));
}

}  // namespace

void lower_abi_wrappers(const ConvSpec& spec, const Schedule& schedule, const std::string& kernel_prefix,
                        const std::string& abi_prefix, Module& module) {
  require_normalized(spec, schedule, "lower_abi_wrappers");
  LLVMContext& c = module.getContext();
  Type* i64 = Type::getInt64Ty(c);
  Type* i32 = Type::getInt32Ty(c);
  Type* ptr = PointerType::getUnqual(c);
  IRBuilder<> b(c);

  Function* output_length = lower_output_length(spec, abi_prefix + "_output_length", module);
  Type* element = spec.dtype == DType::Float64 ? Type::getDoubleTy(c) : Type::getFloatTy(c);
  const Lowering lowering{spec, schedule, module, element, schedule.vector_width, /*call_pack_rows=*/false};
  const ExactLoops exact = lower_exact_loops(lowering, abi_prefix);

  // items(batch) = batch * per_batch + fixed. A prepacked wrapper takes the packed copy as
  // pointer `packed_at` (else -1).
  struct Wrapper {
    Pass pass;
    std::vector<std::string> pointers;
    int64_t per_batch;
    int64_t fixed;
    int packed_at = -1;
  };
  const int64_t forward_per_batch = forward_items(spec, schedule, 1);
  const int64_t backward_data_per_batch = backward_data_items(spec, schedule, 1);
  const Wrapper wrappers[] = {
      {Pass::Forward, {"x", "weight", "bias", "y"}, forward_per_batch, 0},
      {Pass::BackwardData, {"grad_y", "weight", "grad_x"}, backward_data_per_batch, 0},
      {Pass::BackwardWeight, {"x", "grad_y", "grad_weight"}, 0, backward_weight_items(spec, schedule)},
      {Pass::BackwardBias, {"grad_y", "grad_bias"}, 0, backward_bias_items(spec)},
      {Pass::Forward, {"x", "weight", "bias", "packed", "y"}, forward_per_batch, 0, 3},
      {Pass::BackwardData, {"grad_y", "weight", "packed", "grad_x"}, backward_data_per_batch, 0, 2},
  };
  for (const Wrapper& w : wrappers) {
    const bool prepacked = w.packed_at >= 0;
    std::vector<Type*> params(w.pointers.size(), ptr);
    params.push_back(i64);
    params.push_back(i64);
    auto* fn = Function::Create(FunctionType::get(i32, params, false), GlobalValue::ExternalLinkage,
                                abi_prefix + "_" + pass_name(w.pass) + (prepacked ? "_prepacked" : ""), module);
    std::vector<Value*> args;
    for (auto& a : fn->args()) args.push_back(&a);
    for (size_t i = 0; i < w.pointers.size(); ++i) args[i]->setName(w.pointers[i]);
    Value* batch = args[w.pointers.size()];
    Value* length = args[w.pointers.size() + 1];
    batch->setName("batch");
    length->setName("length");
    std::vector<Value*> operands(args.begin(), args.begin() + static_cast<long>(w.pointers.size()));
    if (prepacked) operands.erase(operands.begin() + w.packed_at);
    b.SetInsertPoint(BasicBlock::Create(c, "entry", fn));
    if (w.pass == Pass::Forward && spec.bias) {
      BasicBlock* missing = BasicBlock::Create(c, "missing_bias", fn);
      BasicBlock* ok = BasicBlock::Create(c, "run", fn);
      b.CreateCondBr(b.CreateIsNull(args[2]), missing, ok);
      b.SetInsertPoint(missing);
      b.CreateRet(b.getInt32(LUCID_STATUS_BAD_ARGUMENT));
      b.SetInsertPoint(ok);
    }
    // A batch below 1 yields a negative item count, and a huge one may wrap; the kernel reports
    // the bad batch or the overflowing size before it looks at the range.
    Value* items = b.CreateAdd(b.CreateMul(batch, b.getInt64(static_cast<uint64_t>(w.per_batch))),
                               b.getInt64(static_cast<uint64_t>(w.fixed)), "items");
    Value* end = b.CreateSelect(b.CreateICmpSLT(items, b.getInt64(0)), b.getInt64(0), items);
    Function* kernel = module.getFunction(prepacked ? prepacked_symbol(kernel_prefix, w.pass)
                                                    : kernel_symbol(kernel_prefix, w.pass));
    if (w.pass == Pass::BackwardBias) {  // no operand that zero padding multiplies
      std::vector<Value*> call_args = args;
      call_args.push_back(b.getInt64(0));
      call_args.push_back(end);
      b.CreateRet(b.CreateCall(kernel, call_args));
    } else {
      emit_checked_call(b, spec, kernel, exact, output_length, w.pass, args, operands, batch, length, end);
    }
  }
  emit_pack_wrappers(spec, schedule, kernel_prefix, abi_prefix, Pass::Forward, module);
  emit_pack_wrappers(spec, schedule, kernel_prefix, abi_prefix, Pass::BackwardData, module);
  require_valid_ir(module, spec, schedule);
}

}  // namespace lucid::ir
