// Lowering of the forward pass.
//
// Phase decomposition: output position t receives tap k from input l exactly when
// t + pad_left = l*stride + k*dilation. Writing u = t + pad_left = q*stride + p, the taps of
// stride phase p are those with (k*dilation) mod stride == p, and each reads x[q - m_k] with
// m_k = floor(k*dilation / stride). So every phase is a dense correlation along q with a
// handful of taps, which vectorises along q with contiguous loads of x. The phases of a
// block of q are then interleaved back into consecutive output positions and stored with
// full-width stores.
//
// A work item is (n, group, block of fwd_block_co output channels). Inside, blocks of
// fwd_block_t vectors along q keep all their accumulators in registers over the whole
// input-channel loop. Interior blocks have no bounds checks at all; the few outputs whose taps
// cross an edge of x or y go through a compact scalar loop with checks, which keeps the
// generated code (and so the compile time) small.
#include <map>

#include "lowering.h"

namespace lucid::ir {

using namespace llvm;

namespace {

struct Tap {
  int64_t k;  // kernel tap
  int64_t m;  // x is read at q - m
};

struct ForwardPlan {
  int64_t s, d, K, Cig, Cog, pl;
  std::vector<std::vector<Tap>> phase_taps;  // by stride phase
  int64_t max_m = 0;

  explicit ForwardPlan(const ConvSpec& spec)
      : s(spec.stride), d(spec.dilation), K(spec.kernel_size), Cig(spec.in_per_group()),
        Cog(spec.out_per_group()), pl(spec.pad_left), phase_taps(static_cast<size_t>(spec.stride)) {
    for (int64_t k = 0; k < K; ++k) {
      phase_taps[static_cast<size_t>((k * d) % s)].push_back({k, (k * d) / s});
      max_m = std::max(max_m, (k * d) / s);
    }
  }
};

// Emits one block of `lanes * U` consecutive q for `rows` output channels and stores it.
void emit_block(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows,
                Value* q0, Value* x, Value* w, Value* bias, Value* y, Value* L, Value* Lout) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int U = lw.schedule.fwd_block_t;
  const int P = lw.schedule.fwd_phase_chunk;
  const std::string tag = "fwd";

  // acc[p][r][u]
  std::vector<std::vector<Values>> acc(static_cast<size_t>(plan.s), std::vector<Values>(rows, Values(U, kb.zero_vector())));
  for (int64_t p0 = 0; p0 < plan.s; p0 += P) {
    int64_t p1 = std::min<int64_t>(plan.s, p0 + P);
    bool any_tap = false;
    for (int64_t p = p0; p < p1; ++p) any_tap |= !plan.phase_taps[static_cast<size_t>(p)].empty();
    if (!any_tap) continue;  // phases no tap reaches hold only the bias
    Values init;
    for (int64_t p = p0; p < p1; ++p)
      for (int r = 0; r < rows; ++r)
        for (int u = 0; u < U; ++u) {
          Value* z = kb.zero_vector();
          init.push_back(z);
        }
    std::string loop_name = tag + ".phase" + std::to_string(p0) + ".ci";
    Values out = kb.loop(loop_name, kb.i64(0), kb.i64(plan.Cig), 1, init, [&](Value* ci, const Values& in) {
      Value* x_row = kb.at(x, b.CreateMul(ci, L), "x.row");
      Value* w_row = kb.at(w, b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "w.row");
      std::map<std::pair<int64_t, int>, Value*> xv;
      auto x_vector = [&](int64_t m, int u) {
        auto key = std::make_pair(m, u);
        if (!xv.count(key)) {
          xv[key] = kb.load_vector(x_row, b.CreateAdd(q0, kb.i64(u * V - m)), nullptr,
                                   "x.m" + std::to_string(m) + ".u" + std::to_string(u));
        }
        return xv[key];
      };
      Values next = in;
      size_t idx = 0;
      for (int64_t p = p0; p < p1; ++p) {
        for (int r = 0; r < rows; ++r) {
          for (auto& tap : plan.phase_taps[static_cast<size_t>(p)]) {
            std::string tname = "phase" + std::to_string(p) + ".tap" + std::to_string(tap.k);
            Value* wv = kb.splat(kb.load_scalar(w_row, kb.i64(r * plan.K + tap.k), "w." + tname + ".r" + std::to_string(r)));
            for (int u = 0; u < U; ++u) {
              size_t a = idx + static_cast<size_t>(r * U + u);
              next[a] = kb.fma(x_vector(tap.m, u), wv, next[a], "acc." + tname);
            }
          }
        }
        idx += static_cast<size_t>(rows * U);
      }
      return next;
    });
    size_t idx = 0;
    for (int64_t p = p0; p < p1; ++p)
      for (int r = 0; r < rows; ++r)
        for (int u = 0; u < U; ++u) acc[static_cast<size_t>(p)][r][u] = out[idx++];
  }

  for (int r = 0; r < rows; ++r) {
    Value* bias_vector = nullptr;
    if (lw.spec.bias)
      bias_vector = kb.splat(kb.load_scalar(bias, kb.i64(r), "bias.r" + std::to_string(r)));
    Value* y_row = kb.at(y, b.CreateMul(kb.i64(r), Lout), "y.row");
    for (int u = 0; u < U; ++u) {
      Values phases;
      for (int64_t p = 0; p < plan.s; ++p) {
        Value* v = acc[static_cast<size_t>(p)][r][u];
        phases.push_back(bias_vector ? b.CreateFAdd(v, bias_vector) : v);
      }
      Value* out = kb.interleave(phases, tag + ".out.r" + std::to_string(r));
      // First output position of this vector group: t = (q0 + u*V)*s - pad_left.
      Value* t0 = b.CreateSub(b.CreateMul(b.CreateAdd(q0, kb.i64(u * V)), kb.i64(plan.s)), kb.i64(plan.pl));
      kb.store(out, y_row, t0, nullptr);
    }
  }
}

// Outputs t in [t_begin, t_end) one at a time, every tap checked against the ends of x.
void emit_edge(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows,
               Value* t_begin, Value* t_end, Value* x, Value* w, Value* bias, Value* y, Value* L,
               Value* Lout) {
  auto& b = kb.b();
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  kb.loop("fwd.edge.t", t_begin, t_end, 1, {}, [&](Value* t, const Values&) {
    Values acc = kb.loop("fwd.edge.ci", kb.i64(0), kb.i64(plan.Cig), 1, Values(rows, zero), [&](Value* ci, const Values& in) {
      Value* x_row = kb.at(x, b.CreateMul(ci, L), "x.row");
      Value* w_row = kb.at(w, b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "w.row");
      return kb.loop("fwd.edge.tap", kb.i64(0), kb.i64(plan.K), 1, in, [&](Value* k, const Values& a) {
        // Tap k reads x[q] with q*s = t + pad_left - k*d, when that q exists.
        Value* u = b.CreateSub(b.CreateAdd(t, kb.i64(plan.pl)), b.CreateMul(k, kb.i64(plan.d)));
        Value* q = kb.floor_div(u, plan.s);
        Value* valid = b.CreateAnd(b.CreateICmpEQ(b.CreateMul(q, kb.i64(plan.s)), u),
                                   b.CreateAnd(b.CreateICmpSGE(q, kb.i64(0)), b.CreateICmpSLT(q, L)));
        Value* xv = b.CreateSelect(valid, kb.load_scalar(x_row, b.CreateSelect(valid, q, kb.i64(0)), "x"), zero);
        Values next = a;
        for (int r = 0; r < rows; ++r)
          next[r] = kb.fma(xv, kb.load_scalar(w_row, b.CreateAdd(k, kb.i64(r * plan.K)), "w"), a[r], "acc");
        return next;
      });
    });
    for (int r = 0; r < rows; ++r) {
      Value* v = lw.spec.bias ? b.CreateFAdd(acc[r], kb.load_scalar(bias, kb.i64(r), "bias")) : acc[r];
      b.CreateAlignedStore(v, kb.at(y, b.CreateAdd(b.CreateMul(kb.i64(r), Lout), t)),
                           Align(kb.element()->getPrimitiveSizeInBits() / 8));
    }
    return Values{};
  });
}

// The body of one work item: `rows` output channels of one (n, group), every position.
Function* emit_body(const Lowering& lw, const ForwardPlan& plan, int rows) {
  Function* fn = lw.make_body("fwd.rows" + std::to_string(rows), {"x", "w", "bias", "y"}, {"L", "Lout"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  auto arg = fn->arg_begin();
  Value* x = arg++;
  Value* w = arg++;
  Value* bias = arg++;
  Value* y = arg++;
  Value* L = arg++;
  Value* Lout = arg++;

  const int64_t s = plan.s, pl = plan.pl;
  const int64_t B = static_cast<int64_t>(lw.schedule.fwd_block_t) * kb.lanes();
  // q covers every output: q*s + p - pl in [0, Lout) for some phase p.
  Value* q_lo = kb.i64(pl / s);
  Value* q_hi = b.CreateAdd(kb.floor_div(b.CreateAdd(Lout, kb.i64(pl - 1)), s), kb.i64(1), "q.hi");
  // Interior: every tap reads inside x and every phase writes inside y.
  Value* q_a = kb.i64(std::max(plan.max_m, (pl + s - 1) / s));
  Value* q_b = kb.min(L, kb.floor_div(b.CreateAdd(Lout, kb.i64(pl)), s));
  emit_sweep(
      kb, "fwd", q_lo, q_a, q_b, q_hi, B,
      [&](Value* q0) { emit_block(kb, lw, plan, rows, q0, x, w, bias, y, L, Lout); },
      [&](Value* q_begin, Value* q_end) {
        // The outputs of q in [q_begin, q_end), clipped to y.
        Value* t_begin = kb.max(kb.i64(0), b.CreateSub(b.CreateMul(q_begin, kb.i64(s)), kb.i64(pl)));
        Value* t_end = kb.min(Lout, b.CreateSub(b.CreateMul(q_end, kb.i64(s)), kb.i64(pl)));
        emit_edge(kb, lw, plan, rows, t_begin, t_end, x, w, bias, y, L, Lout);
      });
  b.CreateRetVoid();
  return fn;
}

}  // namespace

void lower_forward(const Lowering& lw, const std::string& symbol) {
  const ConvSpec& spec = lw.spec;
  ForwardPlan plan(spec);
  const int R = lw.schedule.fwd_block_co;
  const int64_t blocks = (plan.Cog + R - 1) / R;
  const int tail = static_cast<int>(plan.Cog % R);
  Function* full = emit_body(lw, plan, R);
  Function* partial = tail ? emit_body(lw, plan, tail) : nullptr;

  emit_entry(
      lw, symbol, {"x", "weight", "bias", "y"},
      [&](KernelBuilder& kb, Value* batch) { return kb.b().CreateMul(batch, kb.i64(spec.groups * blocks)); },
      [&](KernelBuilder& kb, Value* item, const ItemArgs& a) {
        auto& b = kb.b();
        Value* n = b.CreateSDiv(item, kb.i64(spec.groups * blocks), "n");
        Value* rest = b.CreateSRem(item, kb.i64(spec.groups * blocks));
        Value* g = b.CreateSDiv(rest, kb.i64(blocks), "g");
        Value* block = b.CreateSRem(rest, kb.i64(blocks), "co.block");
        Value* co0 = b.CreateMul(block, kb.i64(R), "co0");
        Value* group_co0 = b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cog)), co0);
        Value* x = kb.at(a.pointers[0], b.CreateMul(b.CreateAdd(b.CreateMul(n, kb.i64(spec.in_channels)), b.CreateMul(g, kb.i64(plan.Cig))), a.length), "x.ng");
        Value* w = kb.at(a.pointers[1], b.CreateMul(b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cig * plan.Cog)), co0), kb.i64(plan.K)), "w.g");
        Value* bias = spec.bias ? kb.at(a.pointers[2], group_co0, "bias.g") : a.pointers[2];
        Value* y = kb.at(a.pointers[3], b.CreateMul(b.CreateAdd(b.CreateMul(n, kb.i64(spec.out_channels)), group_co0), a.out_length), "y.ng");
        Value* args[] = {x, w, bias, y, a.length, a.out_length};
        emit_row_dispatch(kb, "fwd", block, blocks, full, partial, args);
      });
}

}  // namespace lucid::ir
