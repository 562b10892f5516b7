// Lowering of backward-weight: dW[ci, co, k] = sum_{n,l} x[n, ci, l] * gy[n, co, l*s + e_k],
// with e_k = k*d - pad_left.
//
// A work item owns bwd_weight_block_ci rows of dW (every output channel and tap of them), so items
// never write the same element and any split across threads is race free without partial
// sums. Inside, a register block of rows x bwd_weight_block_co channels x bwd_weight_block_taps taps is
// accumulated in vector lanes along l over every n, then reduced across lanes once. Each l
// range is split into an unchecked vector interior and scalar edges whose taps are checked
// against the ends of grad_y; every l is visited exactly once (the sum is not idempotent).
// Schedule::bwd_weight_lanes picks what the lanes hold: l (above), taps (long strided kernels) or
// input channels (layers with a vector of channels per group: no strided access at all).
// With taps in lanes an item's rows run as register blocks of bwd_weight_register_ci rows
// that share each channel tile's grad_y, optionally over length tiles whose sums add up in
// dW (emit_vector_taps): still one writer per element, and a fixed order of additions.
#include <algorithm>
#include <functional>

#include "lowering.h"

namespace lucid::ir {

using namespace llvm;

namespace {

// How far ahead the length-lane interior prefetches its rows: 2 KiB of x (and the grad_y
// positions those reach, s times further). Each row is read once, from L3 or memory, and the
// loop body is short, so the hardware prefetcher alone leaves it waiting on lines. Measured on
// Zen 5, depthwise (N=8, L=4096, 1 thread, alternating runs on a noisy VM): 512 fp32
// positions ahead took 1.05-1.08 ms, 256 1.10-1.34, 1024 1.11-1.40, none 1.35-1.49. Later
// (2026-12-05, 4 rounds x 3): 2 KiB 0.55 / 0.58, 8 KiB 0.65 / 0.71, 16 KiB 0.67 / 0.82, while
// backward-data's small layers gained most at 8 KiB (lower_backward_data.cpp, emit_block).
constexpr int64_t kStreamPrefetchBytes = 2048;

// Accumulates dW for `rows` input channels, output channels [co0, co0 + cols) and the T taps
// from k0 (a run-time value: tap chunks are a loop, so code size does not grow with K), over
// every n and l, and stores the sums.
// x_offsets[r]: where row r starts in x (rows past rows_valid alias the last real row).
void emit_tile(KernelBuilder& kb, const LayerGeometry& plan, int rows, Value* co0, int cols, Value* k0,
               int T, Value* x, Value* gy, Value* gw, Value* N, Value* L, Value* Lout,
               const Values& x_offsets, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const std::string tag = "bwd_weight.taps";
  const int64_t prefetch_positions = kStreamPrefetchBytes / kb.element_bytes();

  // l where every tap of the chunk reads inside grad_y: its first and last taps bound the others.
  Value* l_a = kb.min(kb.max(kb.i64(0), kb.ceil_div(b.CreateNeg(plan.e(kb, k0, 0)), plan.s)), L);
  Value* l_b = kb.min(L, b.CreateAdd(kb.floor_div(b.CreateSub(b.CreateSub(Lout, kb.i64(1)), plan.e(kb, k0, T - 1)), plan.s), kb.i64(1)));
  Value* span = kb.max(b.CreateSub(l_b, l_a), kb.i64(0));
  Value* interior_end = b.CreateAdd(l_a, b.CreateMul(b.CreateSDiv(span, kb.i64(V)), kb.i64(V)), "interior.end");
  const size_t tile = static_cast<size_t>(rows * cols * T);
  auto slot = [&](int r, int c, int t) { return static_cast<size_t>((r * cols + c) * T + t); };
  Value* zero = ConstantFP::get(kb.element(), 0.0);

  // Carried: tile vector accumulators for the interior, then tile scalars for the edges.
  Values init(tile, kb.zero_vector());
  init.insert(init.end(), tile, zero);
  Values acc = kb.loop(tag + ".n", kb.i64(0), N, 1, init, [&](Value* n, const Values& in) {
    Value* x_n = kb.at(x, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cin), L)), "x.n");
    Value* gy_n = kb.at(gy, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cout), Lout)), "gy.n");
    Values gy_rows;
    for (int c = 0; c < cols; ++c) gy_rows.push_back(kb.at(gy_n, b.CreateMul(b.CreateAdd(co0, kb.i64(c)), Lout), "gy.row"));

    auto edge = [&](Value* begin, Value* end, const Values& carried) {
      return kb.loop(tag + ".edge", begin, end, 1, carried, [&](Value* l, const Values& a) {
        Values xs;
        for (int r = 0; r < rows; ++r) xs.push_back(kb.load_scalar(x_n, b.CreateAdd(x_offsets[r], l), "x"));
        Values next = a;
        for (int c = 0; c < cols; ++c)
          for (int t = 0; t < T; ++t) {
            Value* j = b.CreateAdd(b.CreateMul(l, kb.i64(plan.s)), plan.e(kb, k0, t));
            Value* valid = b.CreateAnd(b.CreateICmpSGE(j, kb.i64(0)), b.CreateICmpSLT(j, Lout));
            Value* g = b.CreateSelect(valid, kb.load_scalar(gy_rows[c], b.CreateSelect(valid, j, kb.i64(0)), "gy"), zero);
            for (int r = 0; r < rows; ++r) next[tile + slot(r, c, t)] = kb.fma(xs[r], g, a[tile + slot(r, c, t)], "acc");
          }
        return next;
      });
    };

    Values carried = edge(kb.i64(0), l_a, in);
    carried = kb.loop(tag + ".l", l_a, interior_end, V, carried, [&](Value* l, const Values& a) {
      Values xv;
      Value* ahead = b.CreateAdd(l, kb.i64(prefetch_positions));
      for (int r = 0; r < rows; ++r) kb.prefetch(x_n, b.CreateAdd(x_offsets[r], ahead), V);
      for (int c = 0; c < cols; ++c)
        kb.prefetch(gy_rows[c], b.CreateAdd(b.CreateMul(ahead, kb.i64(plan.s)), plan.e(kb, k0, 0)), V * plan.s);
      for (int r = 0; r < rows; ++r)
        xv.push_back(kb.load_vector(x_n, b.CreateAdd(x_offsets[r], l), nullptr, "x.r" + std::to_string(r)));
      Values next = a;
      Value* first = b.CreateAdd(b.CreateMul(l, kb.i64(plan.s)), plan.e(kb, k0, 0), "gy.first");
      // Up to stride 4 the taps' strided vectors are shuffles of one span of plain loads per
      // channel (tap t's elements sit t*d further on), as in backward-data's residue loads.
      const bool span = plan.s > 1 && plan.s <= kSpanMaxStride;
      for (int c = 0; c < cols; ++c) {
        KernelBuilder::LoadedSpan loaded;
        if (span) loaded = kb.load_span(gy_rows[c], first, (V - 1) * plan.s + (T - 1) * plan.d + 1, "gy.span");
        for (int t = 0; t < T; ++t) {
          std::string tname = "tap" + std::to_string(t);
          Value* g = span ? kb.pick_strided(loaded, t * plan.d, plan.s, "gy." + tname)
                          : kb.load_strided(gy_rows[c], b.CreateAdd(first, kb.i64(t * plan.d)), plan.s, nullptr,
                                            "gy." + tname);
          for (int r = 0; r < rows; ++r) next[slot(r, c, t)] = kb.fma(xv[r], g, a[slot(r, c, t)], "acc." + tname);
        }
      }
      return next;
    });
    return edge(interior_end, L, carried);
  });

  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      for (int c = 0; c < cols; ++c)
        for (int t = 0; t < T; ++t) {
          std::string tname = "tap" + std::to_string(t);
          Value* sum = b.CreateFAdd(kb.horizontal_sum(acc[slot(r, c, t)], "dw.lanes." + tname), acc[tile + slot(r, c, t)], "dw." + tname);
          Value* index = b.CreateAdd(b.CreateMul(b.CreateAdd(kb.i64(r * plan.Cog), b.CreateAdd(co0, kb.i64(c))), kb.i64(plan.K)),
                                     b.CreateAdd(k0, kb.i64(t)));
          b.CreateAlignedStore(sum, kb.at(gw, index), kb.element_align());
        }
    };
    emit_row_store(kb, r, rows_valid, "bwd_weight", store_row);
  }
}

// Taps in vector lanes: for one (ci, co) pair, dW[ci, co, k0 .. k0+T) gathers x[l] times
// gy[l*s - pl + k*d] for consecutive k, which for d = 1 are consecutive elements of gy
// whatever the stride. So each l costs one broadcast of x per row and one contiguous load of
// gy per (channel, tap vector), with no lane reduction at the end: the layout of choice for
// long kernels (K >= the vector width) and large strides, where gathering gy along l would
// take a load per lane.
//
// The sums run over the batch rows [n0, n1) and positions [l0, l1) of `span`; where
// span.accumulate is true at run time they are added to dW, else they replace it.
struct TileSpan {
  Value* n0;
  Value* n1;
  Value* l0;
  Value* l1;
  Value* accumulate;  // i1
};

// A tile of dW: channels from co0, taps from k0. The last tile of a row is moved back to end
// at Cog (at K), over channels and taps of the tile before (for_each_tile): where the sums
// are added to dW, it must skip those, so with owned_co / owned_k set it stores only the
// channels and taps from them on.
struct TileOrigin {
  Value* co0;
  Value* k0;
  Value* owned_co = nullptr;
  Value* owned_k = nullptr;
};

void emit_tile_vector_taps(KernelBuilder& kb, const LayerGeometry& plan, int rows, const TileOrigin& origin,
                           int cols, int vectors, Value* x, Value* gy, Value* gw, const TileSpan& span, Value* L,
                           Value* Lout, const Values& x_offsets, Value* rows_valid) {
  auto& b = kb.b();
  Value* co0 = origin.co0;
  Value* k0 = origin.k0;
  const int V = kb.lanes();
  const int64_t T = static_cast<int64_t>(vectors) * V;
  const std::string tag = "bwd_weight.vtaps";
  // gy index of lane i of tap vector v at position l: l*s + first + (v*V + i)*d.
  Value* first = plan.e(kb, k0, 0);
  Value* last = plan.e(kb, k0, T - 1);
  Value* l_a = kb.min(kb.max(span.l0, kb.ceil_div(b.CreateNeg(first), plan.s)), span.l1);
  Value* l_b = kb.max(l_a, kb.min(span.l1, b.CreateAdd(kb.floor_div(b.CreateSub(b.CreateSub(Lout, kb.i64(1)), last), plan.s), kb.i64(1))));
  auto slot = [&](int r, int c, int v) { return static_cast<size_t>((r * cols + c) * vectors + v); };

  Values init(static_cast<size_t>(rows * cols * vectors), kb.zero_vector());
  Values acc = kb.loop(tag + ".n", span.n0, span.n1, 1, init, [&](Value* n, const Values& in) {
    Value* x_n = kb.at(x, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cin), L)), "x.n");
    Value* gy_n = kb.at(gy, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cout), Lout)), "gy.n");
    Values gy_rows;
    for (int c = 0; c < cols; ++c) gy_rows.push_back(kb.at(gy_n, b.CreateMul(b.CreateAdd(co0, kb.i64(c)), Lout), "gy.row"));
    auto step = [&](Value* l, const Values& a, bool edge) {
      Values xs;
      for (int r = 0; r < rows; ++r) xs.push_back(kb.splat(kb.load_scalar(x_n, b.CreateAdd(x_offsets[r], l), "x"), "x.r"));
      Values next = a;
      for (int c = 0; c < cols; ++c)
        for (int v = 0; v < vectors; ++v) {
          Value* at = b.CreateAdd(b.CreateMul(l, kb.i64(plan.s)), b.CreateAdd(first, kb.i64(v * V * plan.d)));
          Value* mask = edge ? kb.lane_mask(V, at, plan.d, kb.i64(0), Lout, "gy.mask") : nullptr;
          Value* g = kb.load_strided(gy_rows[c], at, plan.d, mask, "gy.taps");
          for (int r = 0; r < rows; ++r) next[slot(r, c, v)] = kb.fma(xs[r], g, a[slot(r, c, v)], "acc.taps");
        }
      return next;
    };
    Values carried = kb.loop(tag + ".edge", span.l0, l_a, 1, in, [&](Value* l, const Values& a) { return step(l, a, true); });
    carried = kb.loop(tag + ".l", l_a, l_b, 1, carried, [&](Value* l, const Values& a) { return step(l, a, false); });
    return kb.loop(tag + ".edge", l_b, span.l1, 1, carried, [&](Value* l, const Values& a) { return step(l, a, true); });
  });

  // A masked load under an all-false mask reads nothing: dW's earlier sums, or zeros.
  Value* earlier = b.CreateVectorSplat(V, span.accumulate, "accumulate");
  auto store_vector = [&](int r, int c, int v, Value* lanes) {
    Value* index = b.CreateAdd(b.CreateMul(b.CreateAdd(kb.i64(r * plan.Cog), b.CreateAdd(co0, kb.i64(c))), kb.i64(plan.K)),
                               b.CreateAdd(k0, kb.i64(v * V)));
    Value* a = acc[slot(r, c, v)];
    Value* sum = b.CreateFAdd(a, kb.load_vector(gw, index, earlier, "gw.earlier"), "gw.sum");
    kb.store(b.CreateSelect(span.accumulate, sum, a), gw, index, lanes);
  };
  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      for (int c = 0; c < cols; ++c) {
        auto store_column = [&, c] {
          for (int v = 0; v < vectors; ++v) {
            if (!origin.owned_k) {
              store_vector(r, c, v, nullptr);
              continue;
            }
            // Masked (slow on some cores) only in a moved-back tap tile.
            Value* moved = b.CreateICmpSLT(k0, origin.owned_k);
            kb.if_then(b.CreateNot(moved), tag + ".whole", [&] { store_vector(r, c, v, nullptr); });
            kb.if_then(moved, tag + ".owned", [&] {
              Value* at = b.CreateAdd(k0, kb.i64(v * V));
              store_vector(r, c, v, kb.lane_mask(V, at, 1, origin.owned_k, kb.i64(plan.K), "gw.owned"));
            });
          }
        };
        if (origin.owned_co)
          kb.if_then(b.CreateICmpSGE(b.CreateAdd(co0, kb.i64(c)), origin.owned_co), tag + ".column", store_column);
        else
          store_column();
      }
    };
    emit_row_store(kb, r, rows_valid, tag, store_row);
  }
}

// One chunk of positions [c0, c1) of one batch row, as the channel-lane blocks see it.
struct ChannelChunk {
  Value* xT;    // the chunk's x, transposed: xT[(l - c0) * width + r]
  Value* sums;  // [pair][row] running sums
  Value* gy_n;  // grad_y of the batch row
  Value* Lout;
  Value* c0;
  Value* c1;
  Value* a;  // [a, z): every tap reads inside grad_y
  Value* z;
};

// Positions that share grad_y broadcasts in the channel-lane interior (1: none). When the
// dilation is a multiple of the stride, position l + delta (delta = d/s) reads at tap k the
// element position l reads at tap k + 1. So `share` positions delta apart need K + share - 1
// broadcasts per output channel instead of K * share, provided a pair block holds whole output
// channels (T a multiple of K). With one channel vector each broadcast otherwise feeds a
// single FMA, and Zen 5 sustains fewer than two broadcast loads a cycle: a 1 x 12 block of
// broadcast FMAs ran at 85% of the register-only FMA rate, the same block with two positions
// sharing at 98-100% (microbenchmark, 2026-12-05). The extra x vectors and a broadcast must
// fit the registers beside the accumulators.
int shared_positions(const LayerGeometry& plan, const Schedule& schedule, int T, int vectors) {
  constexpr int kShare = 2;
  if (plan.d % plan.s != 0 || T % plan.K != 0) return 1;
  const int registers = schedule.vector_registers();
  if (vectors * T + kShare * vectors + 2 > registers) return 1;
  return kShare;
}

// Pair block pb (T (co, tap) pairs x `vectors` channel vectors) over one chunk: loads its
// sums, streams the chunk's positions and stores them back. With `share` > 1 the interior
// takes groups of `share` positions d/s apart that share their broadcasts (shared_positions).
void emit_channel_pair_block(KernelBuilder& kb, const LayerGeometry& plan, int T, int vectors, int share,
                             Value* pb, const ChannelChunk& c) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int64_t width = static_cast<int64_t>(vectors) * V;
  const int64_t pairs = plan.Cog * plan.K;
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  Value* Lout = c.Lout;
  // Pair t of the block: (co, k) = divmod(p, K); past the last pair, a repeat of it
  // whose sums land in padding slots that are never written out.
  Values rows_t, e_t;
  for (int t = 0; t < T; ++t) {
    Value* p = kb.min(b.CreateAdd(b.CreateMul(pb, kb.i64(T)), kb.i64(t)), kb.i64(pairs - 1));
    Value* co = b.CreateUDiv(p, kb.i64(plan.K), "co");
    Value* k = b.CreateURem(p, kb.i64(plan.K), "k");
    rows_t.push_back(kb.at(c.gy_n, b.CreateMul(co, Lout), "gy.row"));
    e_t.push_back(plan.e(kb, k, 0));
  }
  Value* slot = b.CreateMul(pb, kb.i64(T * width), "slot");
  Values acc;
  for (int t = 0; t < T; ++t)
    for (int g = 0; g < vectors; ++g)
      acc.push_back(kb.load_vector(c.sums, b.CreateAdd(slot, kb.i64(t * width + g * V)), nullptr, "sum"));
  auto step = [&](bool edge) {
    return [&, edge](Value* l, const Values& in) {
      Values xv, next = in;
      Value* xrow = kb.at(c.xT, b.CreateMul(b.CreateSub(l, c.c0), kb.i64(width)));
      for (int g = 0; g < vectors; ++g) xv.push_back(kb.load_vector(xrow, kb.i64(g * V), nullptr, "xT"));
      Value* ls = b.CreateMul(l, kb.i64(plan.s));
      for (int t = 0; t < T; ++t) {
        Value* j = b.CreateAdd(ls, e_t[t], "j");
        Value* gval;
        if (edge) {
          Value* ok = b.CreateAnd(b.CreateICmpSGE(j, kb.i64(0)), b.CreateICmpSLT(j, Lout));
          gval = b.CreateSelect(ok, kb.load_scalar(rows_t[t], b.CreateSelect(ok, j, kb.i64(0)), "gy"), zero);
        } else {
          gval = kb.load_scalar(rows_t[t], j, "gy");
        }
        Value* gv = kb.splat(gval);
        for (int g = 0; g < vectors; ++g) next[t * vectors + g] = kb.fma(xv[g], gv, next[t * vectors + g], "acc");
      }
      return next;
    };
  };
  acc = kb.loop("bwd_weight.channels.edge_lo", c.c0, c.a, 1, acc, step(true));
  Value* singles_from = c.a;
  if (share > 1) {
    // Groups of share * delta positions: for each r < delta, positions g + r + i*delta
    // (i < share) read, for output channel slot q, the elements at taps 0 .. K + share - 2
    // of position g + r. Every tap those reach lies inside [a, z)'s taps.
    const int64_t delta = plan.d / plan.s;
    const int64_t group = share * delta;
    const int64_t channels = T / plan.K;
    Values rows_q;
    for (int64_t q = 0; q < channels; ++q) {
      Value* co = kb.min(b.CreateAdd(b.CreateMul(pb, kb.i64(channels)), kb.i64(q)), kb.i64(plan.Cog - 1));
      rows_q.push_back(kb.at(c.gy_n, b.CreateMul(co, Lout), "gy.row.shared"));
    }
    Value* groups_end = b.CreateAdd(c.a, b.CreateMul(b.CreateSDiv(b.CreateSub(c.z, c.a), kb.i64(group)), kb.i64(group)));
    acc = kb.loop("bwd_weight.channels.shared", c.a, groups_end, group, acc, [&](Value* g, const Values& in) {
      Values next = in;
      for (int64_t r = 0; r < delta; ++r) {
        std::vector<Values> xv(static_cast<size_t>(share));
        for (int i = 0; i < share; ++i) {
          Value* l = b.CreateAdd(g, kb.i64(r + i * delta));
          Value* xrow = kb.at(c.xT, b.CreateMul(b.CreateSub(l, c.c0), kb.i64(width)));
          for (int v = 0; v < vectors; ++v) xv[i].push_back(kb.load_vector(xrow, kb.i64(v * V), nullptr, "xT"));
        }
        Value* ls = b.CreateMul(b.CreateAdd(g, kb.i64(r)), kb.i64(plan.s));
        for (int64_t q = 0; q < channels; ++q)
          for (int64_t m = 0; m < plan.K + share - 1; ++m) {
            Value* gv = kb.splat(kb.load_scalar(rows_q[q], b.CreateAdd(ls, kb.i64(plan.e(m))), "gy.shared"));
            for (int i = 0; i < share; ++i) {
              const int64_t k = m - i;
              if (k < 0 || k >= plan.K) continue;
              for (int v = 0; v < vectors; ++v) {
                const size_t slot_index = static_cast<size_t>((q * plan.K + k) * vectors + v);
                next[slot_index] = kb.fma(xv[i][v], gv, next[slot_index], "acc");
              }
            }
          }
      }
      return next;
    });
    singles_from = groups_end;
  }
  acc = kb.loop("bwd_weight.channels.l", singles_from, c.z, 1, acc, step(false));
  acc = kb.loop("bwd_weight.channels.edge_hi", c.z, c.c1, 1, acc, step(true));
  for (int t = 0; t < T; ++t)
    for (int g = 0; g < vectors; ++g)
      kb.store(acc[t * vectors + g], c.sums, b.CreateAdd(slot, kb.i64(t * width + g * V)), nullptr);
}

// dW[row0 + r, p] = sums[p][r] for the real rows.
void emit_channel_sums_out(KernelBuilder& kb, int64_t width, int64_t pairs, Value* sums, Value* gw, Value* row0,
                           Value* rows_valid) {
  auto& b = kb.b();
  const Align align = kb.element_align();
  kb.loop("bwd_weight.channels.out", kb.i64(0), kb.i64(width), 1, {}, [&](Value* r, const Values&) {
    Value* row = b.CreateAdd(row0, r);
    kb.if_then(b.CreateICmpSLT(row, rows_valid), "bwd_weight.channels.out.real", [&] {
      Value* dst = kb.at(gw, b.CreateMul(row, kb.i64(pairs)), "gw.row");
      kb.loop("bwd_weight.channels.out.p", kb.i64(0), kb.i64(pairs), 1, {}, [&](Value* p, const Values&) {
        Value* at = kb.at(dst, p);
        b.CreateAlignedStore(kb.load_scalar(sums, b.CreateAdd(b.CreateMul(p, kb.i64(width)), r), "sum"), at, align);
        return Values{};
      });
    });
    return Values{};
  });
}

// Input channels in vector lanes: dW[ci..ci+V, co, k] += xT[l, ci..ci+V] * gy[co, l*s + e_k].
// Each register block holds `vectors` channel vectors x T (co, tap) pairs and streams over l:
// per l, one vector of transposed x per channel vector and one broadcast grad_y element per
// pair, whatever the stride. x is transposed into L1-sized chunks of positions; the sums live
// in a [pair][row] buffer across chunks and batches and are transposed into dW at the end.
void emit_channels(const Lowering& lw, KernelBuilder& kb, const LayerGeometry& plan, int rows, Value* x, Value* gy,
                   Value* gw, Value* N, Value* L, Value* Lout, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int T = lw.schedule.bwd_weight_block_taps;
  const int vectors = std::max(1, std::min(static_cast<int>(ceil_div(rows, V)), lw.schedule.accumulators / T));
  const int64_t width = static_cast<int64_t>(vectors) * V;
  const int64_t pairs = plan.Cog * plan.K;
  const int64_t pair_blocks = ceil_div(pairs, T);
  const int share = shared_positions(plan, lw.schedule, T, vectors);
  const int64_t chunk = 256;  // positions per transposed x chunk: 16 KiB for 16 float rows
  const int64_t element_bytes = kb.element_bytes();
  const Align align(element_bytes);
  Scratch scratch = emit_scratch(kb, lw.module, (chunk + pair_blocks * T) * width * element_bytes, "bwd_weight.scratch");
  Value* xT = scratch.pointer;
  Value* sums = kb.at(xT, kb.i64(chunk * width), "sums");
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  const PositionRange inside = taps_inside_grad_y(kb, lw.spec, L, Lout);
  Value* row_chunks = kb.ceil_div(rows_valid, width);
  kb.loop("bwd_weight.channels.rows", kb.i64(0), row_chunks, 1, {}, [&](Value* rc, const Values&) {
    Value* row0 = b.CreateMul(rc, kb.i64(width), "row0");
    kb.loop("bwd_weight.channels.zero", kb.i64(0), kb.i64(pair_blocks * T * width), 1, {}, [&](Value* i, const Values&) {
      b.CreateAlignedStore(zero, kb.at(sums, i), align);
      return Values{};
    });
    kb.loop("bwd_weight.channels.n", kb.i64(0), N, 1, {}, [&](Value* n, const Values&) {
      Value* x_n = kb.at(x, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cin), L)), "x.n");
      Value* gy_n = kb.at(gy, b.CreateMul(n, b.CreateMul(kb.i64(plan.Cout), Lout)), "gy.n");
      Value* chunks = kb.ceil_div(L, chunk);
      kb.loop("bwd_weight.channels.chunk", kb.i64(0), chunks, 1, {}, [&](Value* ch, const Values&) {
        Value* c0 = b.CreateMul(ch, kb.i64(chunk), "c0");
        Value* c1 = kb.min(b.CreateAdd(c0, kb.i64(chunk)), L);
        // xT[j][r] = x[row0 + r, c0 + j]; rows past rows_valid are zero.
        // A loop over the channel vectors, not an unrolled copy per vector: inlined (lucid-aot),
        // the tile transpose is the costliest code of the module to compile.
        kb.loop("bwd_weight.transpose.vector", kb.i64(0), kb.i64(vectors * V), V, {}, [&](Value* lane0, const Values&) {
          emit_pack_rows(lw, kb, "bwd_weight.transpose", b.CreateAdd(row0, lane0), rows_valid, kb.at(x_n, c0, "src"), L,
                         b.CreateSub(c1, c0), kb.at(xT, lane0, "xT.dst"), kb.i64(width));
          return Values{};
        });
        Value* a = kb.min(kb.max(inside.first, c0), c1);
        Value* z = kb.min(kb.max(inside.end, a), c1);
        kb.loop("bwd_weight.channels.pairs", kb.i64(0), kb.i64(pair_blocks), 1, {}, [&](Value* pb, const Values&) {
          emit_channel_pair_block(kb, plan, T, vectors, share, pb, {xT, sums, gy_n, Lout, c0, c1, a, z});
          return Values{};
        });
        return Values{};
      });
      return Values{};
    });
    emit_channel_sums_out(kb, width, pairs, sums, gw, row0, rows_valid);
    return Values{};
  });
  scratch.release(kb, lw.module);
}

// Where each of a block's `rows` rows of x starts (rows of L positions); rows from rows_valid
// on alias the last real row, so their loads stay in bounds and their sums are not stored.
Values row_offsets(KernelBuilder& kb, int rows, Value* rows_valid, Value* L) {
  auto& b = kb.b();
  Value* last_row = b.CreateSub(rows_valid, kb.i64(1), "last_row");
  Values offsets;
  for (int r = 0; r < rows; ++r) offsets.push_back(b.CreateMul(kb.min(kb.i64(r), last_row), L, "x.r" + std::to_string(r)));
  return offsets;
}

// Tiles of C channels x T taps cover Cog x K; the last tile of each is moved back to end at
// Cog (at K) instead of shrinking, recomputing a few sums, so the generated code stays one
// tile shape (TileOrigin says what it owns).
void for_each_tile(KernelBuilder& kb, const LayerGeometry& plan, int C, int64_t T,
                   const std::function<void(const TileOrigin&)>& tile) {
  auto& b = kb.b();
  kb.loop("bwd_weight.co", kb.i64(0), kb.i64(ceil_div(plan.Cog, C)), 1, {}, [&](Value* i, const Values&) {
    Value* owned_co = b.CreateMul(i, kb.i64(C));
    Value* co0 = kb.min(owned_co, kb.i64(plan.Cog - C));
    kb.loop("bwd_weight.chunk", kb.i64(0), kb.i64(ceil_div(plan.K, T)), 1, {}, [&](Value* j, const Values&) {
      Value* owned_k = b.CreateMul(j, kb.i64(T));
      tile({co0, kb.min(owned_k, kb.i64(plan.K - T)), owned_co, owned_k});
      return Values{};
    });
    return Values{};
  });
}

// Taps in lanes over an item's rows: for each length tile of each batch row (or the whole
// call when bwd_weight_length_tile is off), every channel tile x tap tile, the item's register
// blocks in turn, so they read the tile's grad_y chunk from L1 and its x rows stay in cache
// across the channel tiles. The first span of a tile stores its sums, later ones add to them.
void emit_vector_taps(const Lowering& lw, KernelBuilder& kb, const LayerGeometry& plan, Value* x, Value* gy,
                      Value* gw, Value* N, Value* L, Value* Lout, Value* rows_valid) {
  auto& b = kb.b();
  const Schedule& s = lw.schedule;
  const int R = s.bwd_weight_register_rows();
  const int C = s.bwd_weight_block_co;
  const int taps = s.bwd_weight_block_taps;  // whole vectors of taps
  // Without length tiles every sum is stored, never added: a moved-back tile stores the very
  // values the tile before stored, and needs no guards.
  const bool adds = s.bwd_weight_length_tile > 0;
  auto spans = [&](const TileSpan& span) {
    for_each_tile(kb, plan, C, int64_t{taps} * kb.lanes(), [&](const TileOrigin& tile) {
      const TileOrigin origin = adds ? tile : TileOrigin{tile.co0, tile.k0};
      Value* blocks = kb.ceil_div(rows_valid, R);
      kb.loop("bwd_weight.vtaps.block", kb.i64(0), blocks, 1, {}, [&](Value* block, const Values&) {
        Value* row0 = b.CreateMul(block, kb.i64(R), "row0");
        Value* valid = b.CreateSub(rows_valid, row0, "block.rows");
        const Values x_offsets = row_offsets(kb, R, valid, L);
        Value* x_block = kb.at(x, b.CreateMul(row0, L), "x.block");
        Value* gw_block = kb.at(gw, b.CreateMul(row0, kb.i64(plan.Cog * plan.K)), "gw.block");
        emit_tile_vector_taps(kb, plan, R, origin, C, taps, x_block, gy, gw_block, span, L, Lout, x_offsets, valid);
        return Values{};
      });
    });
  };
  if (s.bwd_weight_length_tile == 0) {
    spans({kb.i64(0), N, kb.i64(0), L, b.getFalse()});
    return;
  }
  // At least one span, so that an empty batch or length still writes dW's zeros. Tiles of
  // equal length (up to one position), not a short last one.
  Value* tiles = kb.max(kb.ceil_div(L, s.bwd_weight_length_tile), kb.i64(1));
  Value* tile = b.CreateSDiv(b.CreateAdd(L, b.CreateSub(tiles, kb.i64(1))), tiles, "tile");
  kb.loop("bwd_weight.vtaps.n", kb.i64(0), kb.max(N, kb.i64(1)), 1, {}, [&](Value* n, const Values&) {
    kb.loop("bwd_weight.vtaps.tile", kb.i64(0), tiles, 1, {}, [&](Value* t, const Values&) {
      Value* l0 = kb.min(b.CreateMul(t, tile), L);
      Value* first = b.CreateAnd(b.CreateICmpEQ(n, kb.i64(0)), b.CreateICmpEQ(t, kb.i64(0)), "first");
      spans({n, kb.min(b.CreateAdd(n, kb.i64(1)), N), l0, kb.min(b.CreateAdd(l0, tile), L), b.CreateNot(first)});
      return Values{};
    });
    return Values{};
  });
}

Function* emit_body(const Lowering& lw, const LayerGeometry& plan, int rows) {
  Function* fn = lw.make_body("bwd_weight.rows" + std::to_string(rows), {"x", "gy", "gw"}, {"N", "L", "Lout", "rows_valid"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  auto arg = fn->arg_begin();
  Value* x = arg++;
  Value* gy = arg++;
  Value* gw = arg++;
  Value* N = arg++;
  Value* L = arg++;
  Value* Lout = arg++;
  Value* rows_valid = arg++;
  if (lw.schedule.bwd_weight_lanes == Lanes::Channels) {
    emit_channels(lw, kb, plan, rows, x, gy, gw, N, L, Lout, rows_valid);
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    return fn;
  }
  if (lw.schedule.bwd_weight_lanes == Lanes::Taps) {
    emit_vector_taps(lw, kb, plan, x, gy, gw, N, L, Lout, rows_valid);
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    return fn;
  }
  const Values x_offsets = row_offsets(kb, rows, rows_valid, L);
  const int C = lw.schedule.bwd_weight_block_co;
  const int T = lw.schedule.bwd_weight_block_taps;
  for_each_tile(kb, plan, C, T, [&](const TileOrigin& tile) {
    emit_tile(kb, plan, rows, tile.co0, C, tile.k0, T, x, gy, gw, N, L, Lout, x_offsets, rows_valid);
  });
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  return fn;
}

}  // namespace

void lower_backward_weight(const Lowering& lw, const std::string& symbol) {
  const ConvSpec& spec = lw.spec;
  LayerGeometry plan(spec);
  const int R = lw.schedule.bwd_weight_block_ci;
  const int64_t blocks = backward_weight_blocks_per_group(spec, lw.schedule);
  Function* body = emit_body(lw, plan, R);

  emit_entry(
      lw, symbol, {"x", "grad_y", "grad_weight"},
      [&](KernelBuilder& kb, Value*) { return kb.i64(backward_weight_items(spec, lw.schedule)); },
      [&](KernelBuilder& kb, Value* item, const ItemArgs& a) {
        auto& b = kb.b();
        Value* g = b.CreateSDiv(item, kb.i64(blocks), "g");
        Value* block = b.CreateSRem(item, kb.i64(blocks), "ci.block");
        Value* ci = b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cig)), b.CreateMul(block, kb.i64(R)), "ci0");
        Value* x = kb.at(a.pointers[0], b.CreateMul(ci, a.length), "x.ci");
        Value* gy = kb.at(a.pointers[1], b.CreateMul(b.CreateMul(g, kb.i64(plan.Cog)), a.out_length), "gy.g");
        Value* gw = kb.at(a.pointers[2], b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "gw.ci");
        Value* rows_valid = rows_in_block(kb, plan.Cig, R, b.CreateMul(block, kb.i64(R)));
        return b.CreateCall(body, {x, gy, gw, a.batch, a.length, a.out_length, rows_valid});
      });
}

}  // namespace lucid::ir
