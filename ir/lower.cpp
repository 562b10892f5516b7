// lower_kernels: assembles the four kernels of a spec in one module, and the entry-point
// skeleton they share.
#include "lower.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>

#include <cstdlib>

#include "lucid/error.h"

#include "lowering.h"
#include "lucid/kernel_abi.h"

namespace lucid::ir {

using namespace llvm;

const char* pass_name(Pass pass) {
  switch (pass) {
    case Pass::Forward: return "forward";
    case Pass::BackwardData: return "backward_data";
    case Pass::BackwardWeight: return "backward_weight";
    case Pass::BackwardBias: return "backward_bias";
  }
  return "?";
}

std::string kernel_symbol(const std::string& prefix, Pass pass) {
  return prefix + "_" + pass_name(pass);
}

std::string prepacked_symbol(const std::string& prefix, Pass pass) { return kernel_symbol(prefix, pass) + "_prepacked"; }
std::string pack_symbol(const std::string& prefix, Pass pass) { return kernel_symbol(prefix, pass) + "_pack"; }
std::string packed_bytes_symbol(const std::string& prefix, Pass pass) {
  return kernel_symbol(prefix, pass) + "_packed_bytes";
}

std::string pack_rows_symbol(DType dtype, int lanes) {
  return fmt::format("lucid_pack_rows_as_lanes_{}x{}", dtype == DType::Float32 ? "f32" : "f64", lanes);
}

Function* Lowering::make_body(const std::string& name, const std::vector<std::string>& pointer_params,
                              const std::vector<std::string>& index_params) const {
  LLVMContext& c = module.getContext();
  std::vector<Type*> types(pointer_params.size(), PointerType::getUnqual(c));
  types.insert(types.end(), index_params.size(), Type::getInt64Ty(c));
  auto* fn = Function::Create(FunctionType::get(Type::getInt32Ty(c), types, false),
                              GlobalValue::InternalLinkage, name, module);
  // Bodies stay out of line: one copy per register-block shape keeps code small and the
  // compile fast even for layers with thousands of channels.
  fn->addFnAttr(Attribute::NoInline);
  fn->addFnAttr(Attribute::NoUnwind);
  size_t i = 0;
  for (auto& arg : fn->args()) {
    bool pointer = i < pointer_params.size();
    arg.setName(pointer ? pointer_params[i] : index_params[i - pointer_params.size()]);
    if (pointer) arg.addAttr(Attribute::NoAlias);
    ++i;
  }
  BasicBlock::Create(c, "entry", fn);
  return fn;
}

namespace {

// Returns `status` from the function being built when `bad` holds; goes on after it otherwise.
void return_if(IRBuilder<>& b, Value* bad, int status, const std::string& name) {
  Function* fn = b.GetInsertBlock()->getParent();
  BasicBlock* fail = BasicBlock::Create(b.getContext(), name, fn);
  BasicBlock* ok = BasicBlock::Create(b.getContext(), name + ".ok", fn);
  b.CreateCondBr(bad, fail, ok);
  b.SetInsertPoint(fail);
  b.CreateRet(b.getInt32(status));
  b.SetInsertPoint(ok);
}

// A work range [begin, end) that is not inside [0, items].
Value* bad_range(IRBuilder<>& b, Value* begin, Value* end, Value* items) {
  return b.CreateOr(b.CreateOr(b.CreateICmpSLT(begin, b.getInt64(0)), b.CreateICmpSGT(end, items)),
                    b.CreateICmpSGT(begin, end));
}

// Runs per_item(item) for items [begin, end); the first status that is not OK, else OK.
Value* first_failure(KernelBuilder& kb, const std::string& name, Value* begin, Value* end,
                     const std::function<Value*(Value* item)>& per_item) {
  auto& b = kb.b();
  Values status = kb.loop(name, begin, end, 1, {b.getInt32(LUCID_STATUS_OK)}, [&](Value* item, const Values& in) {
    Value* item_status = per_item(item);
    return Values{b.CreateSelect(b.CreateICmpNE(in[0], b.getInt32(LUCID_STATUS_OK)), in[0], item_status, "status")};
  });
  return status[0];
}

// Scratch up to this size lives in the stack frame: a tiny layer's call must not pay for
// malloc, and an unused frame slot costs nothing.
constexpr int64_t kScratchStackLimit = 32 * 1024;

// `bytes` of scratch: a frame slot in fn's entry block when small, else aligned_alloc's memory
// (null when that fails; on_heap). Cache-line aligned: the kernels read packed weights as
// whole vectors, and malloc's 16-byte alignment split every 64-byte load across two lines.
Scratch emit_allocation(KernelBuilder& kb, Module& module, int64_t bytes, const std::string& name) {
  constexpr int64_t kAlignment = 64;
  auto& b = kb.b();
  Scratch scratch;
  if (bytes <= kScratchStackLimit) {
    Function* fn = b.GetInsertBlock()->getParent();
    IRBuilder<> at_entry(&fn->getEntryBlock(), fn->getEntryBlock().begin());
    auto* slot = at_entry.CreateAlloca(b.getInt8Ty(), kb.i64(bytes), name);
    slot->setAlignment(Align(kAlignment));
    scratch.pointer = slot;
    return scratch;
  }
  FunctionCallee alloc_fn = module.getOrInsertFunction(
      "aligned_alloc", FunctionType::get(b.getPtrTy(), {b.getInt64Ty(), b.getInt64Ty()}, false));
  const int64_t rounded = ceil_div(bytes, kAlignment) * kAlignment;  // as C11 asks
  scratch.pointer = b.CreateCall(alloc_fn, {kb.i64(kAlignment), kb.i64(rounded)}, name);
  scratch.on_heap = true;
  return scratch;
}

// RangePack's copy for items [begin, end) of a call with `items_per_sample` items per sample,
// or null: see lowering.h. `on_heap` says whether the caller frees it.
Scratch emit_range_pack(KernelBuilder& kb, Module& module, const RangePack& pack, Value* weight, Value* begin,
                        Value* end, Value* items_per_sample) {
  auto& b = kb.b();
  Function* fn = b.GetInsertBlock()->getParent();
  Value* null = Constant::getNullValue(b.getPtrTy());
  BasicBlock* before = b.GetInsertBlock();
  BasicBlock* allocate = BasicBlock::Create(kb.ctx(), "range_pack", fn);
  BasicBlock* packing = BasicBlock::Create(kb.ctx(), "range_pack.run", fn);
  BasicBlock* failed = BasicBlock::Create(kb.ctx(), "range_pack.failed", fn);
  BasicBlock* join = BasicBlock::Create(kb.ctx(), "range_pack.join", fn);
  b.CreateCondBr(b.CreateICmpSGT(b.CreateSub(end, begin), items_per_sample, "range.repeats_blocks"),
                 allocate, join);

  b.SetInsertPoint(allocate);
  Scratch copy = emit_allocation(kb, module, pack.bytes, "range_pack.memory");
  Value* memory = copy.pointer;
  b.CreateCondBr(b.CreateIsNull(memory), join, packing);  // no memory: the items pack their own

  b.SetInsertPoint(packing);
  Value* status = b.CreateCall(pack.pack, {weight, memory, kb.i64(0), kb.i64(pack.pack_items)}, "range_pack.status");
  // A failed pack (a NULL weight) leaves the items to meet the same fault on their own.
  b.CreateCondBr(b.CreateICmpEQ(status, b.getInt32(LUCID_STATUS_OK)), join, failed);
  b.SetInsertPoint(failed);
  copy.release(kb, module);
  b.CreateBr(join);

  b.SetInsertPoint(join);
  PHINode* packed = b.CreatePHI(b.getPtrTy(), 4, "range_packed");
  packed->addIncoming(null, before);
  packed->addIncoming(null, allocate);
  packed->addIncoming(memory, packing);
  packed->addIncoming(null, failed);
  copy.pointer = packed;
  return copy;
}

}  // namespace

void emit_entry(const Lowering& lw, const std::string& symbol,
                const std::vector<std::string>& pointer_args,
                const std::function<Value*(KernelBuilder&, Value*)>& item_count,
                const std::function<Value*(KernelBuilder&, Value*, const ItemArgs&)>& per_item,
                const RangePack* range_pack) {
  LLVMContext& c = lw.module.getContext();
  Type* i64 = Type::getInt64Ty(c);
  std::vector<Type*> types(pointer_args.size(), PointerType::getUnqual(c));
  types.insert(types.end(), 4, i64);
  auto* fn = Function::Create(FunctionType::get(Type::getInt32Ty(c), types, false),
                              GlobalValue::ExternalLinkage, symbol, lw.module);
  fn->addFnAttr(Attribute::NoUnwind);
  std::vector<std::string> names = pointer_args;
  names.insert(names.end(), {"batch", "length", "item_begin", "item_end"});
  Values args;
  size_t i = 0;
  for (auto& arg : fn->args()) {
    arg.setName(names[i++]);
    args.push_back(&arg);
  }
  size_t np = pointer_args.size();
  Value* batch = args[np];
  Value* length = args[np + 1];
  Value* begin = args[np + 2];
  Value* end = args[np + 3];

  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  BasicBlock* entry = BasicBlock::Create(c, "entry", fn);
  b.SetInsertPoint(entry);
  const ConvSpec& s = lw.spec;

  // a * b and a + b that also report int64 overflow into `overflow` (an i1 accumulated with or).
  Value* overflow = b.getFalse();
  auto checked = [&](Intrinsic::ID id, Value* x, Value* y, const std::string& name) {
    Value* pair = b.CreateBinaryIntrinsic(id, x, y, nullptr, name + ".checked");
    overflow = b.CreateOr(overflow, b.CreateExtractValue(pair, 1), name + ".overflows");
    return b.CreateExtractValue(pair, 0, name);
  };
  auto checked_product = [&](std::vector<Value*> factors, const std::string& name) {
    Value* product = factors[0];
    for (size_t f = 1; f < factors.size(); ++f)
      product = checked(Intrinsic::smul_with_overflow, product, factors[f], name);
    return product;
  };

  auto fail_if = [&](Value* bad, int status, const std::string& name) { return_if(b, bad, status, name); };
  // The order of tier 0's checks (jit/tier0/tier0_entry.cpp), so both tiers give one status.
  fail_if(b.CreateICmpSLT(batch, kb.i64(1)), LUCID_STATUS_BAD_BATCH, "bad_batch");
  fail_if(b.CreateICmpSLT(length, kb.i64(1)), LUCID_STATUS_BAD_LENGTH, "bad_length");
  Value* out_length = checked(
      Intrinsic::sadd_with_overflow,
      checked(Intrinsic::smul_with_overflow, b.CreateSub(length, kb.i64(1)), kb.i64(s.stride), "scaled_length"),
      kb.i64(s.output_length_offset()),
      "out_length");
  fail_if(overflow, LUCID_STATUS_TOO_LARGE, "out_length_too_large");
  fail_if(b.CreateICmpSLT(out_length, kb.i64(1)), LUCID_STATUS_BAD_LENGTH, "bad_out_length");
  // Every index the body forms stays below the byte counts of x and y, so those must fit.
  Value* element_bytes = kb.i64(static_cast<int64_t>(dtype_size(s.dtype)));
  checked_product({batch, kb.i64(s.in_channels), length, element_bytes}, "x_bytes");
  checked_product({batch, kb.i64(s.out_channels), out_length, element_bytes}, "y_bytes");
  fail_if(overflow, LUCID_STATUS_TOO_LARGE, "sizes_too_large");
  fail_if(bad_range(b, begin, end, item_count(kb, batch)), LUCID_STATUS_BAD_RANGE, "bad_range");

  ItemArgs item_args{Values(args.begin(), args.begin() + static_cast<long>(np)), batch, length, out_length};
  Scratch copy;  // nothing to free unless the range pack allocates
  if (range_pack != nullptr && range_pack->bytes > 0) {
    copy = emit_range_pack(kb, lw.module, *range_pack, args[range_pack->weight_arg], begin, end,
                           item_count(kb, kb.i64(1)));
    item_args.range_packed = copy.pointer;
  }
  Value* status = first_failure(kb, "item", begin, end, [&](Value* item) { return per_item(kb, item, item_args); });
  copy.release(kb, lw.module);  // free(NULL) does nothing
  b.CreateRet(status);
}

Value* body_output_length(KernelBuilder& kb, const ConvSpec& spec, Value* L) {
  auto& b = kb.b();
  return b.CreateNSWAdd(b.CreateNSWMul(b.CreateNSWSub(L, kb.i64(1)), kb.i64(spec.stride)),
                        kb.i64(spec.output_length_offset()), "Lout");
}

Value* packed_slice(KernelBuilder& kb, Value* packed, Value* pack_item, int64_t slice_elements) {
  auto& b = kb.b();
  Value* slice = kb.at(packed, b.CreateMul(pack_item, kb.i64(slice_elements)), "packed.item");
  return b.CreateSelect(b.CreateIsNull(packed), packed, slice, "packed.slice");
}

RangePack emit_packed_entries(const Lowering& lw, const std::string& symbol, const PackedEntries& entries) {
  LLVMContext& c = lw.module.getContext();
  Type* i64 = Type::getInt64Ty(c);
  Type* i32 = Type::getInt32Ty(c);
  Type* ptr = PointerType::getUnqual(c);
  IRBuilder<> b(c);

  // <symbol>_packed_bytes.
  auto* bytes_fn = Function::Create(FunctionType::get(i64, {}, false), GlobalValue::ExternalLinkage,
                                    symbol + "_packed_bytes", lw.module);
  bytes_fn->addFnAttr(Attribute::NoUnwind);
  b.SetInsertPoint(BasicBlock::Create(c, "entry", bytes_fn));
  const int64_t bytes = entries.items * entries.slice_elements * static_cast<int64_t>(dtype_size(lw.spec.dtype));
  b.CreateRet(b.getInt64(static_cast<uint64_t>(bytes)));

  // <symbol>_pack(weight, packed, item_begin, item_end).
  auto* pack = Function::Create(FunctionType::get(i32, {ptr, ptr, i64, i64}, false), GlobalValue::ExternalLinkage,
                                symbol + "_pack", lw.module);
  pack->addFnAttr(Attribute::NoUnwind);
  const char* names[] = {"weight", "packed", "item_begin", "item_end"};
  for (unsigned i = 0; i < 4; ++i) pack->getArg(i)->setName(names[i]);
  Value* weight = pack->getArg(0);
  Value* packed = pack->getArg(1);
  Value* begin = pack->getArg(2);
  Value* end = pack->getArg(3);
  KernelBuilder kb(pack, lw.element, lw.lanes);
  auto& kbb = kb.b();
  kbb.SetInsertPoint(BasicBlock::Create(c, "entry", pack));
  return_if(kbb, bad_range(kbb, begin, end, kb.i64(entries.items)), LUCID_STATUS_BAD_RANGE, "bad_range");
  RangePack range_pack;
  range_pack.pack = pack;
  range_pack.pack_items = entries.items;
  range_pack.bytes = bytes;
  if (entries.slice_elements == 0) {
    kbb.CreateRet(kbb.getInt32(LUCID_STATUS_OK));
    return range_pack;
  }
  return_if(kbb, kbb.CreateAnd(kbb.CreateICmpSLT(begin, end), kbb.CreateOr(kbb.CreateIsNull(weight), kbb.CreateIsNull(packed))),
            LUCID_STATUS_BAD_ARGUMENT, "null_pointer");
  kbb.CreateRet(first_failure(kb, "pack.item", begin, end, [&](Value* item) {
    Value* slice = kb.at(packed, kbb.CreateMul(item, kb.i64(entries.slice_elements)), "packed.item");
    return entries.pack_item(kb, item, weight, slice);
  }));
  return range_pack;
}

void emit_sweep(KernelBuilder& kb, const std::string& name, const LayerGeometry& layer, Value* lo, Value* a,
                Value* b, Value* hi, int64_t block, int64_t edge_step, const std::function<void(Value*)>& emit_block,
                const std::function<void(Value*)>& emit_edge, Value* grid) {
  auto& ir = kb.b();
  if (!grid) grid = a;
  Value* interior = ir.CreateICmpSGE(ir.CreateSub(b, a), kb.i64(block), name + ".has_interior");
  Value* left_end = ir.CreateSelect(interior, a, hi, name + ".left_end");
  Value* right_begin = ir.CreateSelect(interior, b, hi, name + ".right_begin");
  Value* head = ir.CreateZExt(ir.CreateICmpSGT(grid, a), ir.getInt64Ty(), name + ".head");
  Value* blocks = ir.CreateSelect(interior, ir.CreateAdd(head, kb.ceil_div(ir.CreateSub(b, grid), block)), kb.i64(0),
                                  name + ".blocks");
  auto edge_loop = [&](Value* begin, Value* end) {
    kb.loop(name + ".edge", begin, end, edge_step, {}, [&](Value* position, const Values&) {
      emit_edge(position);
      return Values{};
    });
  };
  auto interior_loop = [&] {
    kb.loop(name + ".interior", kb.i64(0), blocks, 1, {}, [&](Value* j, const Values&) {
      Value* on_grid = ir.CreateAdd(grid, ir.CreateMul(ir.CreateSub(j, head), kb.i64(block)));
      Value* start = kb.min(kb.max(on_grid, a), ir.CreateSub(b, kb.i64(block)));
      emit_block(start);
      return Values{};
    });
  };
  // A copy of the edge code per side made up a quarter to a half of some passes' machine
  // code, and of their compile time with it, for a few positions per row. So one copy serves
  // both sides, walking the left edge's steps and then the right edge's. The walk costs 1-3 ns
  // per call (measured on seed_toy, whose call takes 16-20 ns), so tiny layers, whose edge
  // copies compile fast anyway, keep one per side.
  if (layer.small()) {
    edge_loop(lo, left_end);
    interior_loop();
    edge_loop(right_begin, hi);
    return;
  }
  interior_loop();
  Value* left_steps = kb.max(kb.i64(0), kb.ceil_div(ir.CreateSub(left_end, lo), edge_step));
  Value* right_steps = kb.max(kb.i64(0), kb.ceil_div(ir.CreateSub(hi, right_begin), edge_step));
  kb.loop(name + ".edge", kb.i64(0), ir.CreateAdd(left_steps, right_steps), 1, {}, [&](Value* j, const Values&) {
    Value* on_left = ir.CreateICmpSLT(j, left_steps, name + ".on_left");
    Value* left = ir.CreateAdd(lo, ir.CreateMul(j, kb.i64(edge_step)));
    Value* right = ir.CreateAdd(right_begin, ir.CreateMul(ir.CreateSub(j, left_steps), kb.i64(edge_step)));
    emit_edge(ir.CreateSelect(on_left, left, right, name + ".edge_position"));
    return Values{};
  });
}

Value* row_line_grid(KernelBuilder& kb, Value* a, Value* row_pitch, int64_t offset, int64_t block) {
  auto& ir = kb.b();
  const int64_t line = Schedule::kCacheLineBytes / kb.element_bytes();
  if (block % line != 0) return a;
  const int64_t way = Schedule::kL1WayBytes / kb.element_bytes();
  Value* aliased = ir.CreateICmpEQ(ir.CreateURem(row_pitch, kb.i64(way)), kb.i64(0), "rows.aliased");
  // The first line boundary at or after a: a + offset rounded up to a line, less offset.
  Value* first_line = ir.CreateSub(ir.CreateMul(kb.ceil_div(ir.CreateAdd(a, kb.i64(offset)), line), kb.i64(line)),
                                   kb.i64(offset));
  return ir.CreateSelect(aliased, first_line, a, "line.grid");
}

PositionRange taps_inside_grad_y(KernelBuilder& kb, const ConvSpec& spec, Value* L, Value* Lout) {
  auto& b = kb.b();
  // The first tap reads furthest left (offset -pad_left), the last furthest right.
  const int64_t s = spec.stride;
  const int64_t last = (spec.kernel_size - 1) * spec.dilation - spec.pad_left;
  Value* end = kb.min(L, b.CreateAdd(kb.floor_div(b.CreateSub(Lout, kb.i64(1 + last)), s), kb.i64(1)));
  return {kb.i64(ceil_div(spec.pad_left, s)), end};
}

void store_lanes_as_rows(KernelBuilder& kb, const Values& acc, int vectors, int positions, Value* base,
                         Value* first, Value* row_stride, int64_t position_stride, Value* row0,
                         Value* rows_valid, const std::string& name) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const Align align = kb.element_align();
  if (position_stride == 1 && positions >= 2 && positions <= V) {
    // Consecutive positions: transpose each vector of rows in registers and store every
    // row's positions as one (masked) vector, instead of V x positions scalar stores,
    // which cost as much as the FMAs in layers with short reductions (dilated: 32 x 3).
    std::vector<Constant*> lanes_used;
    for (int m = 0; m < V; ++m) lanes_used.push_back(b.getInt1(m < positions));
    Value* mask = positions == V ? nullptr : ConstantVector::get(lanes_used);
    for (int v = 0; v < vectors; ++v) {
      const Values block(acc.begin() + v * positions, acc.begin() + (v + 1) * positions);
      const Values by_row = kb.transpose(block, name + ".transpose");
      for (int i = 0; i < V; ++i) {
        Value* row = b.CreateAdd(row0, kb.i64(v * V + i), name + ".r");
        kb.if_then(b.CreateICmpSLT(row, rows_valid), name + ".store", [&] {
          kb.store(by_row[static_cast<size_t>(i)], base, b.CreateAdd(b.CreateMul(row, row_stride), first), mask);
        });
      }
    }
    return;
  }
  for (int v = 0; v < vectors; ++v)
    for (int i = 0; i < V; ++i) {
      Value* row = b.CreateAdd(row0, kb.i64(v * V + i), name + ".r");
      kb.if_then(b.CreateICmpSLT(row, rows_valid), name + ".store", [&] {
        Value* out = kb.at(base, b.CreateAdd(b.CreateMul(row, row_stride), first), name + ".row");
        for (int m = 0; m < positions; ++m)
          b.CreateAlignedStore(b.CreateExtractElement(acc[static_cast<size_t>(v * positions + m)], kb.i64(i)),
                               kb.at(out, kb.i64(m * position_stride)), align);
      });
    }
}

void emit_pack_rows_as_lanes(KernelBuilder& kb, const std::string& name, Value* row0, Value* rows_valid,
                             const std::function<Value*(Value* row)>& src_row, Value* columns,
                             const std::function<Value*(Value* column)>& dst_column) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const Align align = kb.element_align();
  Values src, real;
  for (int i = 0; i < V; ++i) {
    Value* row = b.CreateAdd(row0, kb.i64(i));
    real.push_back(b.CreateICmpSLT(row, rows_valid, name + ".real"));
    src.push_back(src_row(b.CreateSelect(real.back(), row, kb.i64(0))));
  }
  Value* tiled = b.CreateMul(b.CreateUDiv(columns, kb.i64(V)), kb.i64(V), name + ".tiled");
  kb.loop(name + ".tile", kb.i64(0), tiled, V, {}, [&](Value* m0, const Values&) {
    Values tile;
    for (int i = 0; i < V; ++i)
      tile.push_back(b.CreateSelect(real[static_cast<size_t>(i)],
                                    b.CreateAlignedLoad(kb.vector(), kb.at(src[static_cast<size_t>(i)], m0), align),
                                    kb.zero_vector(), name + ".row"));
    const Values columns_of_tile = kb.transpose(tile, name + ".t");
    for (int i = 0; i < V; ++i)
      b.CreateAlignedStore(columns_of_tile[static_cast<size_t>(i)], dst_column(b.CreateAdd(m0, kb.i64(i))), align);
    return Values{};
  });
  kb.loop(name + ".rest", tiled, columns, 1, {}, [&](Value* m, const Values&) {
    Value* dst = dst_column(m);
    for (int i = 0; i < V; ++i)
      b.CreateAlignedStore(b.CreateSelect(real[static_cast<size_t>(i)], kb.load_scalar(src[static_cast<size_t>(i)], m, "w"),
                                          ConstantFP::get(kb.element(), 0.0)),
                           kb.at(dst, kb.i64(i)), align);
    return Values{};
  });
}

void emit_pack_rows(const Lowering& lw, KernelBuilder& kb, const std::string& name, Value* row0, Value* rows_valid,
                    Value* src, Value* src_row_stride, Value* columns, Value* dst, Value* dst_column_stride) {
  auto& b = kb.b();
  if (!lw.call_pack_rows) {
    emit_pack_rows_as_lanes(
        kb, name, row0, rows_valid, [&](Value* row) { return kb.at(src, b.CreateMul(row, src_row_stride)); }, columns,
        [&](Value* m) { return kb.at(dst, b.CreateMul(m, dst_column_stride)); });
    return;
  }
  LLVMContext& c = kb.ctx();
  Type* ptr = PointerType::getUnqual(c);
  Type* i64 = Type::getInt64Ty(c);
  FunctionCallee routine = lw.module.getOrInsertFunction(pack_rows_symbol(lw.spec.dtype, lw.lanes),
                                                         FunctionType::get(Type::getVoidTy(c), {ptr, i64, i64, i64, ptr, i64}, false));
  // What the routine does, so LLVM keeps values in registers across the call: it touches
  // only memory through its two pointers, reading src and writing dst.
  auto* fn = cast<Function>(routine.getCallee());
  fn->setDoesNotThrow();
  fn->setWillReturn();
  fn->setMemoryEffects(MemoryEffects::argMemOnly());
  fn->addParamAttr(0, Attribute::NoCapture);
  fn->addParamAttr(0, Attribute::ReadOnly);
  fn->addParamAttr(4, Attribute::NoCapture);
  fn->addParamAttr(4, Attribute::WriteOnly);
  Value* rows = kb.min(kb.max(b.CreateSub(rows_valid, row0), kb.i64(0)), kb.i64(lw.lanes));
  b.CreateCall(routine, {kb.at(src, b.CreateMul(row0, src_row_stride), name + ".src"), src_row_stride, rows, columns, dst,
                         dst_column_stride});
}

void emit_row_store(KernelBuilder& kb, int r, Value* rows_valid, const std::string& tag,
                    const std::function<void()>& emit_store) {
  if (r == 0)
    emit_store();
  else
    kb.if_then(kb.b().CreateICmpSLT(kb.i64(r), rows_valid), tag + ".row" + std::to_string(r), emit_store);
}

Value* LayerGeometry::e(KernelBuilder& kb, Value* k0, int64_t t) const {
  auto& b = kb.b();
  return b.CreateAdd(b.CreateMul(k0, kb.i64(d)), kb.i64(t * d - pl));
}

Value* ncl_row(KernelBuilder& kb, Value* base, Value* n, int64_t channels, Value* channel, Value* length,
               const std::string& name) {
  auto& b = kb.b();
  return kb.at(base, b.CreateMul(b.CreateAdd(b.CreateMul(n, kb.i64(channels)), channel), length), name);
}

ItemCoordinates split_item(KernelBuilder& kb, Value* item, int64_t groups, int64_t blocks) {
  auto& b = kb.b();
  Value* rest = b.CreateSRem(item, kb.i64(groups * blocks));
  return {b.CreateSDiv(item, kb.i64(groups * blocks), "n"), b.CreateSDiv(rest, kb.i64(blocks), "g"),
          b.CreateSRem(rest, kb.i64(blocks), "block")};
}

Value* rows_in_block(KernelBuilder& kb, int64_t channels, int64_t rows, Value* first_row) {
  if (channels % rows == 0) return kb.i64(rows);
  return kb.min(kb.i64(rows), kb.b().CreateSub(kb.i64(channels), first_row));
}

Scratch emit_scratch(KernelBuilder& kb, Module& module, int64_t bytes, const std::string& name) {
  auto& b = kb.b();
  Scratch scratch = emit_allocation(kb, module, bytes, name);
  if (!scratch.on_heap) return scratch;
  Function* fn = b.GetInsertBlock()->getParent();
  BasicBlock* no_memory = BasicBlock::Create(kb.ctx(), name + ".no_memory", fn);
  BasicBlock* ok = BasicBlock::Create(kb.ctx(), name + ".ok", fn);
  b.CreateCondBr(b.CreateIsNull(scratch.pointer), no_memory, ok);
  b.SetInsertPoint(no_memory);
  b.CreateRet(b.getInt32(LUCID_STATUS_OUT_OF_MEMORY));
  b.SetInsertPoint(ok);
  return scratch;
}

Scratch emit_scratch_unless(KernelBuilder& kb, Module& module, int64_t bytes, const std::string& name, Value* given) {
  auto& b = kb.b();
  Value* owned = b.CreateIsNull(given, name + ".owned");
  Scratch scratch;
  if (bytes <= kScratchStackLimit) {  // emit_scratch's stack case: an unused slot costs nothing
    Scratch own = emit_scratch(kb, module, bytes, name);
    scratch.pointer = b.CreateSelect(owned, own.pointer, given, name + ".pointer");
    return scratch;
  }
  BasicBlock* before = b.GetInsertBlock();
  Function* fn = before->getParent();
  BasicBlock* allocate = BasicBlock::Create(kb.ctx(), name + ".allocate", fn);
  BasicBlock* join = BasicBlock::Create(kb.ctx(), name + ".join", fn);
  b.CreateCondBr(owned, allocate, join);
  b.SetInsertPoint(allocate);
  Scratch own = emit_scratch(kb, module, bytes, name);  // returns OUT_OF_MEMORY on failure
  BasicBlock* allocated = b.GetInsertBlock();
  b.CreateBr(join);
  b.SetInsertPoint(join);
  PHINode* pointer = b.CreatePHI(given->getType(), 2, name + ".pointer");
  pointer->addIncoming(given, before);
  pointer->addIncoming(own.pointer, allocated);
  scratch.pointer = pointer;
  scratch.on_heap = true;
  scratch.owned = owned;
  return scratch;
}

void Scratch::release(KernelBuilder& kb, Module& module) const {
  if (!on_heap) return;
  auto& b = kb.b();
  FunctionCallee free_fn = module.getOrInsertFunction(
      "free", FunctionType::get(b.getVoidTy(), {PointerType::getUnqual(kb.ctx())}, false));
  // free(NULL) does nothing: the caller's buffer is never freed.
  Value* mine = owned ? b.CreateSelect(owned, pointer, Constant::getNullValue(pointer->getType())) : pointer;
  b.CreateCall(free_fn, {mine});
}

void require_normalized(const ConvSpec& spec, const Schedule& schedule, const char* who) {
  const Schedule normalized = schedule.normalized_for(spec);
  if (!(schedule == normalized))
    throw InternalError(fmt::format("{}: schedule {} is not normalised for {} (normalised: {})", who,
                                    schedule.key(), spec.key(), normalized.key()));
}

void lower_kernels(const ConvSpec& spec, const Schedule& schedule, const std::string& prefix,
                   Module& module) {
  lower_kernels(spec, schedule, prefix, module, kAllPasses);
}

void lower_kernels(const ConvSpec& spec, const Schedule& schedule, const std::string& prefix,
                   Module& module, std::span<const Pass> passes, const LoweringOptions& options) {
  require_normalized(spec, schedule, "lower_kernels");
  // Each stride phase is a block of code (and PhaseTaps an entry): a huge stride would have
  // the lowering allocate and emit without bound (stride 2^31: 48 GB of phase lists). Such a
  // layer is refused here, before anything is built; in tiered mode it keeps tier 0.
  if (spec.stride > kMaxUnrolledStride)
    throw Error(fmt::format("{}: stride {} is above {}, the largest the specialising generator "
                            "unrolls (one code block per stride phase)",
                            spec.to_string(), spec.stride, kMaxUnrolledStride));
  LLVMContext& c = module.getContext();
  Type* element = spec.dtype == DType::Float32 ? Type::getFloatTy(c) : Type::getDoubleTy(c);
  Lowering lw{spec, schedule, module, element, schedule.vector_width, options.call_pack_rows};
  for (Pass pass : passes) {
    const std::string symbol = kernel_symbol(prefix, pass);
    switch (pass) {
      case Pass::Forward: lower_forward(lw, symbol); break;
      case Pass::BackwardData: lower_backward_data(lw, symbol); break;
      case Pass::BackwardWeight: lower_backward_weight(lw, symbol); break;
      case Pass::BackwardBias: lower_backward_bias(lw, symbol); break;
    }
  }
  require_valid_ir(module, spec, schedule);
}

void require_valid_ir(Module& module, const ConvSpec& spec, const Schedule& schedule) {
  // A generator bug must stop loudly here, with the IR, not run as garbage later.
  std::string problems;
  raw_string_ostream os(problems);
  if (verifyModule(module, &os)) {
    errs() << "lucid-jit internal error: invalid IR for " << spec.key() << " " << schedule.key()
           << ":\n" << problems << "\n" << module;
    std::abort();
  }
}

}  // namespace lucid::ir
