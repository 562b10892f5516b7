// Plain loops that compute exactly PyTorch's sums, for lucid-aot's whole-call entry points
// when an operand holds NaN or Inf (the IR twin of runtime/nonfinite_passes.cpp).
//
// The kernels multiply zero padding by the weight (forward, backward-data) or by x
// (backward-weight) wherever their blocks and windows need it; a finite operand makes that
// product an exact zero, but a NaN or an infinity turns it into NaN. PyTorch is exact in its
// own way: its forward (col2im) takes only the products the formula has, its backward passes
// (im2col) take every (position, tap) term with grad_y outside [0, Lout) read as 0, so
// 0 * Inf is NaN there and nowhere else. The entry points check the operand (one pass over
// it, small beside the call's work) and, when it is not all finite, run these loops: scalar,
// one output element at a time, those terms and no others. Slow, and only for calls whose
// results would otherwise differ from PyTorch's.
#include "lowering.h"

namespace lucid::ir {

using namespace llvm;

namespace {

// The tap's position in y (or grad_y) for input position l: l*s + k*d - pl, and whether it
// lies in [0, Lout).
struct TapTarget {
  Value* t;
  Value* inside;
};
TapTarget tap_target(KernelBuilder& kb, const LayerGeometry& g, Value* l, Value* k, Value* Lout) {
  auto& b = kb.b();
  Value* t = b.CreateAdd(b.CreateMul(l, kb.i64(g.s)), g.e(kb, k, 0), "t");
  Value* inside = b.CreateAnd(b.CreateICmpSGE(t, kb.i64(0)), b.CreateICmpSLT(t, Lout), "t.inside");
  return {b.CreateSelect(inside, t, kb.i64(0)), inside};
}

// Forward: acc + a*b where `inside`, else acc (taps outside are no term of the sum).
Value* add_if(KernelBuilder& kb, Value* inside, Value* acc, Value* a, Value* b_) {
  auto& b = kb.b();
  return b.CreateSelect(inside, b.CreateFAdd(acc, b.CreateFMul(a, b_)), acc, "acc");
}

// Backward: acc + operand * grad_y[t], grad_y read as 0 outside [0, Lout) (im2col's zeros).
Value* add_padded(KernelBuilder& kb, Value* inside, Value* acc, Value* operand, Value* gy_row, Value* t) {
  auto& b = kb.b();
  Value* gy = b.CreateSelect(inside, kb.load_scalar(gy_row, t, "gy"), ConstantFP::get(kb.element(), 0.0));
  return b.CreateFAdd(acc, b.CreateFMul(operand, gy), "acc");
}

void emit_forward(const Lowering& lw, const LayerGeometry& g, Function* fn) {
  KernelBuilder kb(fn, lw.element, 1);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value *x = fn->getArg(0), *w = fn->getArg(1), *bias = fn->getArg(2), *y = fn->getArg(3);
  Value *N = fn->getArg(4), *L = fn->getArg(5), *Lout = fn->getArg(6);
  Value* zero = ConstantFP::get(lw.element, 0.0);
  const Align align = kb.element_align();
  // y[n, co, t] = bias[co] + sum over ci of the group and k with t = l*s + k*d - pl, 0 <= l < L.
  kb.loop("exact.fwd.n", kb.i64(0), N, 1, {}, [&](Value* n, const Values&) {
    kb.loop("exact.fwd.co", kb.i64(0), kb.i64(g.Cout), 1, {}, [&](Value* co, const Values&) {
      Value* group = b.CreateUDiv(co, kb.i64(g.Cog));
      Value* col = b.CreateURem(co, kb.i64(g.Cog));
      Value* y_row = ncl_row(kb, y, n, g.Cout, co, Lout, "y.row");
      Value* first = lw.spec.bias ? kb.load_scalar(bias, co, "bias") : zero;
      // Zero the row to the bias, then add each (ci, k, l) term where it lands.
      kb.loop("exact.fwd.init", kb.i64(0), Lout, 1, {}, [&](Value* t, const Values&) {
        b.CreateAlignedStore(first, kb.at(y_row, t), align);
        return Values{};
      });
      kb.loop("exact.fwd.ci", kb.i64(0), kb.i64(g.Cig), 1, {}, [&](Value* c, const Values&) {
        Value* ci = b.CreateAdd(b.CreateMul(group, kb.i64(g.Cig)), c);
        Value* x_row = ncl_row(kb, x, n, g.Cin, ci, L, "x.row");
        Value* w_row = kb.at(w, b.CreateMul(b.CreateAdd(b.CreateMul(ci, kb.i64(g.Cog)), col), kb.i64(g.K)), "w.row");
        kb.loop("exact.fwd.k", kb.i64(0), kb.i64(g.K), 1, {}, [&](Value* k, const Values&) {
          Value* wk = kb.load_scalar(w_row, k, "w");
          kb.loop("exact.fwd.l", kb.i64(0), L, 1, {}, [&](Value* l, const Values&) {
            TapTarget target = tap_target(kb, g, l, k, Lout);
            Value* slot = kb.at(y_row, target.t);
            Value* sum = b.CreateAlignedLoad(lw.element, slot, align, "y");
            b.CreateAlignedStore(add_if(kb, target.inside, sum, kb.load_scalar(x_row, l, "x"), wk), slot, align);
            return Values{};
          });
          return Values{};
        });
        return Values{};
      });
      return Values{};
    });
    return Values{};
  });
  b.CreateRetVoid();
}

void emit_backward_data(const Lowering& lw, const LayerGeometry& g, Function* fn) {
  KernelBuilder kb(fn, lw.element, 1);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value *gy = fn->getArg(0), *w = fn->getArg(1), *gx = fn->getArg(2);
  Value *N = fn->getArg(3), *L = fn->getArg(4), *Lout = fn->getArg(5);
  Value* zero = ConstantFP::get(lw.element, 0.0);
  const Align align = kb.element_align();
  // grad_x[n, ci, l] = sum over co of the group and k of W[ci, co, k] * grad_y[n, co, t],
  // t = l*s + k*d - pl, grad_y 0 outside [0, Lout).
  kb.loop("exact.bwd_data.n", kb.i64(0), N, 1, {}, [&](Value* n, const Values&) {
    kb.loop("exact.bwd_data.ci", kb.i64(0), kb.i64(g.Cin), 1, {}, [&](Value* ci, const Values&) {
      Value* group = b.CreateUDiv(ci, kb.i64(g.Cig));
      Value* w_ci = kb.at(w, b.CreateMul(ci, kb.i64(g.Cog * g.K)), "w.ci");
      Value* gx_row = ncl_row(kb, gx, n, g.Cin, ci, L, "gx.row");
      kb.loop("exact.bwd_data.l", kb.i64(0), L, 1, {}, [&](Value* l, const Values&) {
        Values sum = kb.loop("exact.bwd_data.co", kb.i64(0), kb.i64(g.Cog), 1, {zero}, [&](Value* col, const Values& in) {
          Value* co = b.CreateAdd(b.CreateMul(group, kb.i64(g.Cog)), col);
          Value* gy_row = ncl_row(kb, gy, n, g.Cout, co, Lout, "gy.row");
          return kb.loop("exact.bwd_data.k", kb.i64(0), kb.i64(g.K), 1, in, [&](Value* k, const Values& acc) {
            TapTarget target = tap_target(kb, g, l, k, Lout);
            Value* wk = kb.load_scalar(w_ci, b.CreateAdd(b.CreateMul(col, kb.i64(g.K)), k), "w");
            return Values{add_padded(kb, target.inside, acc[0], wk, gy_row, target.t)};
          });
        });
        b.CreateAlignedStore(sum[0], kb.at(gx_row, l), align);
        return Values{};
      });
      return Values{};
    });
    return Values{};
  });
  b.CreateRetVoid();
}

void emit_backward_weight(const Lowering& lw, const LayerGeometry& g, Function* fn) {
  KernelBuilder kb(fn, lw.element, 1);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value *x = fn->getArg(0), *gy = fn->getArg(1), *gw = fn->getArg(2);
  Value *N = fn->getArg(3), *L = fn->getArg(4), *Lout = fn->getArg(5);
  Value* zero = ConstantFP::get(lw.element, 0.0);
  const Align align = kb.element_align();
  // grad_weight[ci, co, k] = sum over n and l of x[n, ci, l] * grad_y[n, co, t],
  // t = l*s + k*d - pl, grad_y 0 outside [0, Lout).
  kb.loop("exact.bwd_weight.ci", kb.i64(0), kb.i64(g.Cin), 1, {}, [&](Value* ci, const Values&) {
    Value* group = b.CreateUDiv(ci, kb.i64(g.Cig));
    kb.loop("exact.bwd_weight.co", kb.i64(0), kb.i64(g.Cog), 1, {}, [&](Value* col, const Values&) {
      Value* co = b.CreateAdd(b.CreateMul(group, kb.i64(g.Cog)), col);
      Value* gw_row = kb.at(gw, b.CreateMul(b.CreateAdd(b.CreateMul(ci, kb.i64(g.Cog)), col), kb.i64(g.K)), "gw.row");
      kb.loop("exact.bwd_weight.k", kb.i64(0), kb.i64(g.K), 1, {}, [&](Value* k, const Values&) {
        Values sum = kb.loop("exact.bwd_weight.n", kb.i64(0), N, 1, {zero}, [&](Value* n, const Values& in) {
          Value* x_row = ncl_row(kb, x, n, g.Cin, ci, L, "x.row");
          Value* gy_row = ncl_row(kb, gy, n, g.Cout, co, Lout, "gy.row");
          return kb.loop("exact.bwd_weight.l", kb.i64(0), L, 1, in, [&](Value* l, const Values& acc) {
            TapTarget target = tap_target(kb, g, l, k, Lout);
            return Values{add_padded(kb, target.inside, acc[0], kb.load_scalar(x_row, l, "x"), gy_row, target.t)};
          });
        });
        b.CreateAlignedStore(sum[0], kb.at(gw_row, k), align);
        return Values{};
      });
      return Values{};
    });
    return Values{};
  });
  b.CreateRetVoid();
}

void emit_all_finite(const Lowering& lw, Function* fn) {
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value *data = fn->getArg(0), *count = fn->getArg(1);
  // Non-finite means every exponent bit set. The pipeline leaves loops unvectorised (the
  // lowering vectorises by hand), so this loop is written over vectors, with an
  // or-reduction and no early exit, and a scalar loop for the last count % lanes.
  const int V = kb.lanes();
  const bool f64 = lw.element->isDoubleTy();
  const uint64_t exponent = f64 ? 0x7ff0000000000000ull : 0x7f800000u;
  Type* bits_type = f64 ? b.getInt64Ty() : b.getInt32Ty();
  auto* bits_vector = FixedVectorType::get(bits_type, static_cast<unsigned>(V));
  Value* vector_exponent = ConstantInt::get(bits_vector, exponent);
  Value* scalar_exponent = ConstantInt::get(bits_type, exponent);
  Value* whole = b.CreateMul(b.CreateUDiv(count, kb.i64(V)), kb.i64(V), "whole");
  Value* no_lane = Constant::getNullValue(FixedVectorType::get(b.getInt1Ty(), static_cast<unsigned>(V)));
  Values lanes = kb.loop("finite.vector", kb.i64(0), whole, V, {no_lane}, [&](Value* i, const Values& in) {
    Value* bits = b.CreateBitCast(kb.load_vector(data, i, nullptr, "v"), bits_vector);
    return Values{b.CreateOr(in[0], b.CreateICmpEQ(b.CreateAnd(bits, vector_exponent), vector_exponent), "any")};
  });
  Values any = kb.loop("finite.rest", whole, count, 1, {b.CreateOrReduce(lanes[0])}, [&](Value* i, const Values& in) {
    Value* bits = b.CreateBitCast(kb.load_scalar(data, i, "v"), bits_type);
    return Values{b.CreateOr(in[0], b.CreateICmpEQ(b.CreateAnd(bits, scalar_exponent), scalar_exponent), "any")};
  });
  b.CreateRet(b.CreateNot(any[0]));
}

Function* declare(Module& module, const std::string& name, Type* result, int pointers, int indices) {
  LLVMContext& c = module.getContext();
  std::vector<Type*> types(static_cast<size_t>(pointers), PointerType::getUnqual(c));
  types.insert(types.end(), static_cast<size_t>(indices), Type::getInt64Ty(c));
  auto* fn = Function::Create(FunctionType::get(result, types, false), GlobalValue::InternalLinkage, name, module);
  fn->addFnAttr(Attribute::NoInline);
  fn->addFnAttr(Attribute::NoUnwind);
  BasicBlock::Create(c, "entry", fn);
  return fn;
}

}  // namespace

ExactLoops lower_exact_loops(const Lowering& lw, const std::string& prefix) {
  const LayerGeometry g(lw.spec);
  Module& m = lw.module;
  Type* void_type = Type::getVoidTy(m.getContext());
  ExactLoops loops;
  loops.all_finite = declare(m, prefix + ".all_finite", Type::getInt1Ty(m.getContext()), 1, 1);
  loops.forward = declare(m, prefix + ".exact.forward", void_type, 4, 3);
  loops.backward_data = declare(m, prefix + ".exact.backward_data", void_type, 3, 3);
  loops.backward_weight = declare(m, prefix + ".exact.backward_weight", void_type, 3, 3);
  emit_all_finite(lw, loops.all_finite);
  emit_forward(lw, g, loops.forward);
  emit_backward_data(lw, g, loops.backward_data);
  emit_backward_weight(lw, g, loops.backward_weight);
  return loops;
}

}  // namespace lucid::ir
