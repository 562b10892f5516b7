// Lowering of backward-data: grad_x = conv1d(grad_y, W), an ordinary strided, dilated
// convolution: dx[ci, l] = sum_{co,k} gy[co, l*s + e_k] * W[ci, co, k] with e_k = k*d - pad_left.
//
// A work item is (n, group, block of bwd_data_block_ci input channels). Three layouts
// (Schedule::bwd_data_lanes) put different axes in the vector lanes:
//  - length: vectors run along l, so grad_y is read with stride s (one wide load and a
//    shuffle for small strides, element loads for large ones; the taps of one residue
//    mod s share them, see residue_loads); rows x bwd_data_block_t
//    vectors accumulate over the whole (co, tap) reduction; edge positions take a scalar loop.
//  - taps: a dot product along k per (row, position), for long kernels with a stride.
//  - channels: input channels in lanes, grad_y broadcast, weights repacked per item (once
//    per range when the range spans samples, RangePack; or once by the caller, PackedEntries
//    in lowering.h); no strided access at all, the
//    layout of choice for strided layers with many channels.
#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "lowering.h"

namespace lucid::ir {

using namespace llvm;

namespace {

// With a stride, tap k reads gy[(l + b_k)*s + rho_k] (e_k = b_k*s + rho_k, 0 <= rho_k < s):
// every tap of one residue rho reads the same stride-s sequence P_rho[j] = gy[j*s + rho],
// shifted by b_k. Strided loads of each residue's span (l0 + min b, l0 + U*V + max b) are
// shared by its taps; a tap whose shift is not a whole vector takes a two-source shuffle of
// two neighbouring loaded vectors. Loaded per tap instead, every strided vector is two
// line-splitting loads and a permute, and neighbouring taps load the same elements again.
// Up to stride 4 the residues also share the plain loads of the block's span (block_span).
// depthwise backward-data (s 2, K 4, 16 lanes), Zen 5, alternating, min / median ms of 5
// rounds, per-tap loads -> per-residue strided loads -> one span shared by the residues:
// 1 thread 1.03 / 1.16 -> 0.84 / 0.93 -> 0.60 / 0.64; 2 threads 0.47 / 0.49 -> 0.39 / 0.41 ->
// 0.31 / 0.32. Per block the last was 7 plain loads and 16 shuffles instead of 24 loads and
// 12 permutes; 13 shuffles since pick_strided stopped the overlapping last vector adding a
// source (not timed apart from the noise).
struct ResidueLoads {
  int64_t rho;
  std::vector<int64_t> taps;
  int64_t first;   // first position (from l0) the residue's taps read
  int64_t length;  // positions [first, first + length) they read
};

std::vector<ResidueLoads> residue_loads(const LayerGeometry& plan, int U, int V) {
  std::vector<ResidueLoads> out;
  for (int64_t k = 0; k < plan.K; ++k) {
    const int64_t rho = plan.e(k) - floor_div(plan.e(k), plan.s) * plan.s;
    auto it = std::find_if(out.begin(), out.end(), [&](const ResidueLoads& r) { return r.rho == rho; });
    if (it == out.end()) it = out.insert(out.end(), ResidueLoads{rho, {}, 0, 0});
    it->taps.push_back(k);
  }
  for (auto& r : out) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t k : r.taps) {
      lo = std::min(lo, floor_div(plan.e(k), plan.s));
      hi = std::max(hi, floor_div(plan.e(k), plan.s));
    }
    r.first = lo;
    r.length = static_cast<int64_t>(U) * V + hi - lo;
  }
  return out;
}

// The block's grad_y span from l0*s: from the first element a tap reads to the last.
std::pair<int64_t, int64_t> block_span(const LayerGeometry& plan, int U, int V) {
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (int64_t k = 0; k < plan.K; ++k) {
    first = std::min(first, plan.e(k));
    last = std::max(last, plan.e(k));
  }
  return {first, (static_cast<int64_t>(U) * V - 1) * plan.s + last + 1 - first};
}

// Whether the shared loads fit the registers beside the accumulators: a residue's loaded
// vectors, the U shifted ones and a broadcast weight are live together.
bool residue_loads_fit(const Lowering& lw, const std::vector<ResidueLoads>& residues, int rows) {
  const int U = lw.schedule.bwd_data_block_t;
  int64_t most = 0;
  for (const auto& r : residues) most = std::max(most, ceil_div(r.length, lw.lanes));
  return rows * U + most + U + 1 <= lw.schedule.accumulators + 2;
}

// w_rows[r]: the weights of row r (rows past rows_valid alias the last real row).
void emit_block(KernelBuilder& kb, const Lowering& lw, const LayerGeometry& plan, int rows, Value* l0,
                Value* gy, const Values& w_rows, Value* gx, Value* L, Value* Lout, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int U = lw.schedule.bwd_data_block_t;
  const std::string tag = "bwd_data";
  // With a stride, taps of one residue share its loads (contiguous taps: an unaligned load
  // is cheaper than a shuffle).
  std::vector<ResidueLoads> residues;
  if (plan.s > 1) residues = residue_loads(plan, U, V);
  const bool shared = !residues.empty() && residue_loads_fit(lw, residues, rows);
  const auto [span_first, span_length] = block_span(plan, U, V);
  Value* l0_s = b.CreateMul(l0, kb.i64(plan.s), "gy.l0");

  Values init(static_cast<size_t>(rows * U), kb.zero_vector());
  // Small layers (depthwise) stream grad_y with a few FMAs per element: the block prefetches
  // its span 8 KiB ahead. depthwise (s 2, K 4, 16 lanes), Zen 5, alternating, min / median ms
  // of 4 rounds x 3, 1 thread, two sittings: none 0.73-0.84 / 0.84-0.89, 2 KiB ahead
  // 0.46 / 0.50, 8 KiB 0.39-0.40 / 0.43-0.47, 16 KiB 0.45 / 0.52, 32 KiB 0.43 / 0.49. dilated
  // (grad_y rows reused from cache across its 32 output channels) was level at 2 KiB and 4%
  // slower at 8 KiB, so only small layers take it.
  constexpr int64_t kStreamPrefetchBytes = 8 * 1024;
  const bool stream_prefetch = plan.small();
  Values acc = kb.loop(tag + ".co", kb.i64(0), kb.i64(plan.Cog), 1, init, [&](Value* co, const Values& in) {
    Value* gy_row = kb.at(gy, b.CreateMul(co, Lout), "gy.row");
    if (stream_prefetch)
      kb.prefetch(gy_row, b.CreateAdd(l0_s, kb.i64(span_first + kStreamPrefetchBytes / kb.element_bytes())), span_length);
    Value* w_co_offset = b.CreateMul(co, kb.i64(plan.K), "w.co");
    Values next = in;
    auto accumulate = [&](int64_t k, const Values& g) {
      const std::string tname = "tap" + std::to_string(k);
      for (int r = 0; r < rows; ++r) {
        Value* wv = kb.splat(kb.load_scalar(w_rows[r], b.CreateAdd(w_co_offset, kb.i64(k)), "w." + tname));
        for (int u = 0; u < U; ++u) next[r * U + u] = kb.fma(g[u], wv, next[r * U + u], "acc." + tname);
      }
    };
    if (!shared) {
      for (int64_t k = 0; k < plan.K; ++k) {
        Values g;
        for (int u = 0; u < U; ++u)
          g.push_back(kb.load_strided(gy_row, b.CreateAdd(l0_s, kb.i64(u * V * plan.s + plan.e(k))), plan.s, nullptr,
                                      "gy.tap" + std::to_string(k)));
        accumulate(k, g);
      }
      return next;
    }
    KernelBuilder::LoadedSpan span;
    if (plan.s <= kSpanMaxStride)
      span = kb.load_span(gy_row, b.CreateAdd(l0_s, kb.i64(span_first)), span_length, "gy.span");
    for (const auto& residue : residues) {
      // The residue's sequence gy[j*s + rho] over its positions, as a span of its own: a tap
      // shifted by b_k picks its vectors from it.
      const std::string rname = "gy.rho" + std::to_string(residue.rho);
      KernelBuilder::LoadedSpan sequence;
      sequence.starts = kb.span_starts(residue.length);
      for (int64_t start : sequence.starts) {
        const int64_t element = (residue.first + start) * plan.s + residue.rho;
        sequence.vectors.push_back(plan.s <= kSpanMaxStride
                                       ? kb.pick_strided(span, element - span_first, plan.s, rname)
                                       : kb.load_strided(gy_row, b.CreateAdd(l0_s, kb.i64(element)), plan.s, nullptr, rname));
      }
      for (int64_t k : residue.taps) {
        const int64_t shift = floor_div(plan.e(k), plan.s) - residue.first;
        Values g;
        for (int u = 0; u < U; ++u) g.push_back(kb.pick_strided(sequence, shift + static_cast<int64_t>(u) * V, 1, rname + ".shifted"));
        accumulate(k, g);
      }
    }
    return next;
  });

  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      Value* gx_row = kb.at(gx, b.CreateMul(kb.i64(r), L), "gx.row");
      for (int u = 0; u < U; ++u) kb.store(acc[r * U + u], gx_row, b.CreateAdd(l0, kb.i64(u * V)), nullptr);
    };
    emit_row_store(kb, r, rows_valid, tag, store_row);
  }
}

// Position l alone, every tap checked against the ends of gy.
void emit_edge(KernelBuilder& kb, const LayerGeometry& plan, int rows, Value* l, Value* gy, const Values& w_rows,
               Value* gx, Value* L, Value* Lout, Value* rows_valid) {
  auto& b = kb.b();
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  Values acc = kb.loop("bwd_data.edge.co", kb.i64(0), kb.i64(plan.Cog), 1, Values(rows, zero), [&](Value* co, const Values& in) {
    Value* gy_row = kb.at(gy, b.CreateMul(co, Lout), "gy.row");
    Value* w_co_offset = b.CreateMul(co, kb.i64(plan.K), "w.co");
    return kb.loop("bwd_data.edge.tap", kb.i64(0), kb.i64(plan.K), 1, in, [&](Value* k, const Values& a) {
      Value* j = b.CreateAdd(b.CreateMul(l, kb.i64(plan.s)), plan.e(kb, k, 0));
      Value* valid = b.CreateAnd(b.CreateICmpSGE(j, kb.i64(0)), b.CreateICmpSLT(j, Lout));
      Value* g = b.CreateSelect(valid, kb.load_scalar(gy_row, b.CreateSelect(valid, j, kb.i64(0)), "gy"), zero);
      Values next = a;
      for (int r = 0; r < rows; ++r)
        next[r] = kb.fma(g, kb.load_scalar(w_rows[r], b.CreateAdd(w_co_offset, k), "w"), a[r], "acc");
      return next;
    });
  });
  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      b.CreateAlignedStore(acc[r], kb.at(gx, b.CreateAdd(b.CreateMul(kb.i64(r), L), l)), kb.element_align());
    };
    emit_row_store(kb, r, rows_valid, "bwd_data.edge", store_row);
  }
}

// Taps in vector lanes: dx[ci, l] = sum over co of a dot product along k of
// gy[co, l*s - pl + k*d] and W[ci, co, k], both contiguous in k for d = 1 whatever the stride.
// `positions` consecutive l of `rows` channels accumulate lane-wise over every co; one lane
// reduction per output at the end. The layout of choice for long kernels with a stride, where
// reading gy along l would take a load per lane. The last tap vector is masked when K is not
// a multiple of the width; edge positions mask gy outside [0, Lout).
void emit_block_vector_taps(KernelBuilder& kb, const LayerGeometry& plan, int rows, int positions, Value* l0,
                            bool edge, Value* gy, const Values& w_rows, Value* gx, Value* L, Value* Lout,
                            Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int64_t chunks = ceil_div(plan.K, V);
  const int64_t tail = plan.K - (chunks - 1) * V;
  const std::string tag = edge ? "bwd_data.vtaps.edge" : "bwd_data.vtaps";
  Value* tail_mask = nullptr;
  if (tail < V) {
    std::vector<Constant*> bits;
    for (int i = 0; i < V; ++i) bits.push_back(b.getInt1(i < tail));
    tail_mask = ConstantVector::get(bits);
  }
  auto tap_mask = [&](int64_t c) { return c == chunks - 1 ? tail_mask : nullptr; };
  // gy index of lane i of chunk c at position u: (l0+u)*s - pl + (c*V + i)*d.
  std::vector<Values> first(static_cast<size_t>(positions)), masks(static_cast<size_t>(positions));
  for (int u = 0; u < positions; ++u)
    for (int64_t c = 0; c < chunks; ++c) {
      Value* f = b.CreateAdd(b.CreateMul(b.CreateAdd(l0, kb.i64(u)), kb.i64(plan.s)), kb.i64(c * V * plan.d - plan.pl));
      first[u].push_back(f);
      Value* m = tap_mask(c);
      if (edge) {
        Value* inside = kb.lane_mask(V, f, plan.d, kb.i64(0), Lout, "gy.mask");
        m = m ? b.CreateAnd(m, inside) : inside;
      }
      masks[u].push_back(m);
    }
  Values init(static_cast<size_t>(rows * positions), kb.zero_vector());
  Values acc = kb.loop(tag + ".co", kb.i64(0), kb.i64(plan.Cog), 1, init, [&](Value* co, const Values& in) {
    Value* gy_row = kb.at(gy, b.CreateMul(co, Lout), "gy.row");
    Value* w_co = b.CreateMul(co, kb.i64(plan.K), "w.co");
    Values next = in;
    for (int64_t c = 0; c < chunks; ++c) {
      Values g;
      for (int u = 0; u < positions; ++u)
        g.push_back(kb.load_strided(gy_row, first[u][c], plan.d, masks[u][c], "gy.taps"));
      for (int r = 0; r < rows; ++r) {
        Value* wv = kb.load_vector(w_rows[r], b.CreateAdd(w_co, kb.i64(c * V)), tap_mask(c), "w.taps");
        for (int u = 0; u < positions; ++u) next[r * positions + u] = kb.fma(g[u], wv, next[r * positions + u], "acc.taps");
      }
    }
    return next;
  });
  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      for (int u = 0; u < positions; ++u)
        b.CreateAlignedStore(kb.horizontal_sum(acc[r * positions + u], "dx"),
                             kb.at(gx, b.CreateAdd(b.CreateMul(kb.i64(r), L), b.CreateAdd(l0, kb.i64(u)))),
                             kb.element_align());
    };
    emit_row_store(kb, r, rows_valid, tag, store_row);
  }
}

// Channel vectors per register block: as many as the schedule's accumulators allow (the
// target's registers less those for weight vectors and a broadcast), no more than the rows
// need.
int channel_vectors(const Schedule& schedule, int rows) {
  const int V = schedule.vector_width;
  return std::max(1, std::min(static_cast<int>(ceil_div(rows, V)), schedule.accumulators / schedule.bwd_data_block_t));
}

// Whether an interior channel-lane block loads each grad_y element once per output channel,
// element by element, instead of once per (position, tap). When K*d > s, position u + 1 reads
// at some taps what position u reads at others (u*s + e_k coincide), but the tap-major order
// keeps those broadcasts live across taps and the accumulators spill (emit_block_channels).
// Element-major, each broadcast feeds every (position, tap) that reads it and dies; the cost
// is every tap's weight vectors live across the channel step. Only for one channel vector:
// there each broadcast otherwise feeds a single FMA, and Zen 5 sustains fewer than two
// broadcast loads a cycle (a 1 x 12 block of broadcast FMAs ran at 85% of the register-only
// FMA rate in a microbenchmark, 2026-12-05); with two vectors the broadcasts keep up. Two
// vectors merged class by class (the taps of one residue of e(k) mod s, their weight vectors
// loaded per class: hifigan_up1's 96 broadcasts per output channel became 56, no spills)
// measured no faster on 8 suite layers, alternating, 2 sittings of 3-4 rounds x 3 (2026-12-06):
// grouped4 1.449 -> 1.354 ms min in one and 1.368 -> 1.415 in the other; hifigan_up1 3.01 ->
// 3.19 and 3.05 -> 3.00. Merged, 2 x 12 positions no longer spilled (5.45 -> 3.13 ms) but
// did not beat 2 x 6 (3.01).
bool merge_broadcasts(const LayerGeometry& plan, const Schedule& schedule, int vectors, int positions) {
  if (vectors != 1) return false;
  std::set<int64_t> offsets;
  for (int u = 0; u < positions; ++u)
    for (int64_t k = 0; k < plan.K; ++k) offsets.insert(u * plan.s + plan.e(k));
  if (static_cast<int64_t>(offsets.size()) == positions * plan.K) return false;  // nothing shared
  const int registers = schedule.vector_registers();
  return positions + plan.K + 2 <= registers;
}

// Input channels in vector lanes: dx[ci..ci+V, l] += W[ci..ci+V, co, k] * gy[co, l*s + e_k],
// one broadcast grad_y element per (position, tap), whatever the stride, and one contiguous
// vector of repacked weights per (channel vector, tap). This is how a strided convolution
// avoids strided loads altogether; it wants at least a vector of input channels per item.
// `packed` holds this chunk's weights as [co][k][vectors*V] (padding rows are zero).
// Edge positions (positions = 1, edge) read taps outside [0, Lout) as zero, branch-free.
// `merged`: interior blocks only, grad_y element-major (merge_broadcasts).
void emit_block_channels(KernelBuilder& kb, const LayerGeometry& plan, int vectors, int positions, Value* l0,
                         bool edge, bool merged, Value* gy, Value* packed, Value* gx, Value* L, Value* Lout,
                         Value* row0, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int64_t width = static_cast<int64_t>(vectors) * V;
  const std::string tag = edge ? "bwd_data.channels.edge" : "bwd_data.channels";
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  // gy index of position u, tap k, hoisted out of the co loop; edges also clamp and flag it.
  std::vector<Values> index(static_cast<size_t>(positions)), valid(static_cast<size_t>(positions));
  for (int u = 0; u < positions; ++u)
    for (int64_t k = 0; k < plan.K; ++k) {
      Value* j = b.CreateAdd(b.CreateMul(b.CreateAdd(l0, kb.i64(u)), kb.i64(plan.s)), kb.i64(plan.e(k)),
                             "gy.index.tap" + std::to_string(k));
      Value* ok = nullptr;
      if (edge) {
        ok = b.CreateAnd(b.CreateICmpSGE(j, kb.i64(0)), b.CreateICmpSLT(j, Lout), "gy.inside");
        j = b.CreateSelect(ok, j, kb.i64(0));
      }
      index[u].push_back(j);
      valid[u].push_back(ok);
    }
  // Merged: the (position, tap) pairs reading each grad_y element, by its offset from l0*s.
  std::map<int64_t, std::vector<std::pair<int, int64_t>>> readers_by_offset;
  if (merged)
    for (int u = 0; u < positions; ++u)
      for (int64_t k = 0; k < plan.K; ++k) readers_by_offset[u * plan.s + plan.e(k)].push_back({u, k});
  Values init(static_cast<size_t>(vectors * positions), kb.zero_vector());
  Value* ahead = edge ? nullptr : b.CreateAdd(index[0][0], kb.i64(kRowPrefetchBytes / kb.element_bytes()), "gy.ahead");
  Values acc = kb.loop(tag + ".co", kb.i64(0), kb.i64(plan.Cog), 1, init, [&](Value* co, const Values& in) {
    Value* gy_row = kb.at(gy, b.CreateMul(co, Lout), "gy.row");
    if (ahead) kb.prefetch(gy_row, ahead, 1);
    Value* w_co = kb.at(packed, b.CreateMul(co, kb.i64(plan.K * width)), "w.co");
    Values next = in;
    if (merged) {
      std::vector<Values> wv(static_cast<size_t>(plan.K));
      for (int64_t k = 0; k < plan.K; ++k)
        for (int g = 0; g < vectors; ++g)
          wv[k].push_back(kb.load_vector(w_co, kb.i64(k * width + g * V), nullptr, "w.tap" + std::to_string(k)));
      Value* base = b.CreateMul(l0, kb.i64(plan.s), "gy.base");
      for (const auto& [offset, readers] : readers_by_offset) {
        Value* gv = kb.splat(kb.load_scalar(gy_row, b.CreateAdd(base, kb.i64(offset)), "gy.merged"));
        for (const auto& [u, k] : readers)
          for (int v = 0; v < vectors; ++v)
            next[v * positions + u] = kb.fma(wv[k][v], gv, next[v * positions + u], "acc.merged");
      }
      return next;
    }
    for (int64_t k = 0; k < plan.K; ++k) {
      std::string tname = "tap" + std::to_string(k);
      // When K > s, neighbouring positions share grad_y elements across taps; merged, those
      // broadcasts live across taps and the accumulators spill. An opaque copy of the
      // row pointer per tap keeps one broadcast per (position, tap), used at once.
      Value* gy_tap = kb.opaque(gy_row, "gy.row.tap" + std::to_string(k));
      Values wv;
      for (int g = 0; g < vectors; ++g) wv.push_back(kb.load_vector(w_co, kb.i64(k * width + g * V), nullptr, "w." + tname));
      for (int u = 0; u < positions; ++u) {
        Value* g = kb.load_scalar(gy_tap, index[u][k], "gy." + tname);
        if (edge) g = b.CreateSelect(valid[u][k], g, zero);
        Value* gv = kb.splat(g);
        for (int v = 0; v < vectors; ++v)
          next[v * positions + u] = kb.fma(wv[v], gv, next[v * positions + u], "acc." + tname);
      }
    }
    return next;
  });
  // Lane i of vector v is row row0 + v*V + i: a transposed store.
  store_lanes_as_rows(kb, acc, vectors, positions, gx, l0, L, 1, row0, rows_valid, tag);
}

// The packed weights of one item of `rows` input channels in lanes: [chunk][co][k][width],
// chunks of `vectors` channel vectors.
struct ChannelPacking {
  int vectors;
  int64_t width, chunks, chunk_elements;
  ChannelPacking(const Lowering& lw, const LayerGeometry& plan, int rows)
      : vectors(channel_vectors(lw.schedule, rows)), width(static_cast<int64_t>(vectors) * lw.lanes),
        chunks(ceil_div(rows, width)), chunk_elements(plan.Cog * plan.K * width) {}
  int64_t elements() const { return chunks * chunk_elements; }
};

// i32 pack(w, packed, rows_valid): repacks one item's weights (rows_valid rows from w) into
// ChannelPacking's order; rows past rows_valid are zero.
Function* emit_pack_channels(const Lowering& lw, const LayerGeometry& plan, int rows) {
  const ChannelPacking packing(lw, plan, rows);
  Function* fn = lw.make_body("bwd_data.pack.rows" + std::to_string(rows), {"w", "packed"}, {"rows_valid"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value* w = fn->getArg(0);
  Value* packed = fn->getArg(1);
  Value* rows_valid = fn->getArg(2);
  const int V = kb.lanes();
  const int64_t M = plan.Cog * plan.K;
  kb.loop("bwd_data.pack.chunk", kb.i64(0), kb.i64(packing.chunks), 1, {}, [&](Value* c, const Values&) {
    Value* chunk_w = kb.at(packed, b.CreateMul(c, kb.i64(packing.chunk_elements)), "pack.chunk");
    // A loop over the channel vectors, not an unrolled copy per vector: inlined (lucid-aot),
    // the tile transpose is the costliest code of the module to compile.
    kb.loop("bwd_data.pack.vector", kb.i64(0), kb.i64(packing.width), V, {}, [&](Value* lane0, const Values&) {
      emit_pack_rows(lw, kb, "bwd_data.pack", b.CreateAdd(b.CreateMul(c, kb.i64(packing.width)), lane0), rows_valid, w,
                     kb.i64(M), kb.i64(M), kb.at(chunk_w, lane0, "pack.dst"), kb.i64(packing.width));
      return Values{};
    });
    return Values{};
  });
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  return fn;
}

// Channels in lanes for one work item of `rows` channels: its weights packed by the caller
// (packed_in), or repacked here with `pack` into [chunk][co][k][chunk rows] once (amortised
// over the whole length); then a sweep of the length per chunk of `vectors` channel vectors.
// Every block runs the whole co reduction, so it streams the chunk's packed weights from L2
// (hifigan_up1: 512 KiB per block of 6 positions). Chunking that reduction instead, 8-32
// output channels whose weights stay in L1 with the partial sums in an L1 buffer (ping-pong,
// so the sweep's overlapping blocks stay idempotent), measured no faster. Its co loop of
// run-time bounds made LLVM's machine scheduler hoist and spill the broadcasts; with that
// scheduler off (no spills in either loop), Zen 5, 1 thread, alternating, min / median ms of
// 3 rounds x 3: 3.07 / 3.19 unchunked, 3.33 / 3.37 in chunks of 8 channels, 3.13 / 3.19 of 32
// (2026-12-06). One vector x 6 positions took 4.44 ms both ways. The L2 keeps up with the
// weight stream; what these blocks lose lies elsewhere.
void emit_channels(const Lowering& lw, KernelBuilder& kb, const LayerGeometry& plan, int rows, Value* gy, Value* w,
                   Value* gx, Value* L, Value* Lout, Value* rows_valid, PositionRange inside, Value* packed_in,
                   Function* pack) {
  auto& b = kb.b();
  const int P = lw.schedule.bwd_data_block_t;
  const ChannelPacking packing(lw, plan, rows);
  const int vectors = packing.vectors;
  const bool merged = merge_broadcasts(plan, lw.schedule, vectors, P);
  const int64_t width = packing.width;
  const int64_t chunk_elements = packing.chunk_elements;
  Scratch packed = emit_scratch_unless(kb, lw.module, packing.elements() * kb.element_bytes(), "w.packed", packed_in);
  kb.if_then(b.CreateIsNull(packed_in), "bwd_data.pack", [&] { b.CreateCall(pack, {w, packed.pointer, rows_valid}); });
  Value* used_chunks = kb.ceil_div(rows_valid, width);
  kb.loop("bwd_data.channels.chunk", kb.i64(0), used_chunks, 1, {}, [&](Value* c, const Values&) {
    Value* chunk_w = kb.at(packed.pointer, b.CreateMul(c, kb.i64(chunk_elements)), "w.chunk");
    Value* row0 = b.CreateMul(c, kb.i64(width), "row0");
    emit_sweep(
        kb, "bwd_data.channels", plan, kb.i64(0), inside.first, inside.end, L, P, 1,
        [&](Value* l0) { emit_block_channels(kb, plan, vectors, P, l0, false, merged, gy, chunk_w, gx, L, Lout, row0, rows_valid); },
        [&](Value* l) { emit_block_channels(kb, plan, vectors, 1, l, true, false, gy, chunk_w, gx, L, Lout, row0, rows_valid); },
        row_line_grid(kb, inside.first, L, 0, P));
    return Values{};
  });
  packed.release(kb, lw.module);
}

// `packed`: the item's packed weights (input channels in lanes only), or null.
Function* emit_body(const Lowering& lw, const LayerGeometry& plan, int rows, Function* pack) {
  Function* fn = lw.make_body("bwd_data.rows" + std::to_string(rows), {"gy", "w", "packed", "gx"}, {"L", "rows_valid"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  auto arg = fn->arg_begin();
  Value* gy = arg++;
  Value* w = arg++;
  Value* packed = arg++;
  Value* gx = arg++;
  Value* L = arg++;
  Value* rows_valid = arg++;
  Value* Lout = body_output_length(kb, lw.spec, L);
  // Interior: every tap of every lane reads inside grad_y.
  const PositionRange inside = taps_inside_grad_y(kb, lw.spec, L, Lout);
  if (lw.schedule.bwd_data_lanes == Lanes::Channels) {
    emit_channels(lw, kb, plan, rows, gy, w, gx, L, Lout, rows_valid, inside, packed, pack);
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    return fn;
  }
  Value* l_a = inside.first;
  Value* l_b = inside.end;
  Value* last_row = b.CreateSub(rows_valid, kb.i64(1), "last_row");
  Values w_rows;
  for (int r = 0; r < rows; ++r)
    w_rows.push_back(kb.at(w, b.CreateMul(kb.min(kb.i64(r), last_row), kb.i64(plan.Cog * plan.K)), "w.r" + std::to_string(r)));
  if (lw.schedule.bwd_data_lanes == Lanes::Taps) {
    const int positions = lw.schedule.bwd_data_block_t;
    emit_sweep(
        kb, "bwd_data.vtaps", plan, kb.i64(0), l_a, l_b, L, positions, 1,
        [&](Value* l0) { emit_block_vector_taps(kb, plan, rows, positions, l0, false, gy, w_rows, gx, L, Lout, rows_valid); },
        [&](Value* l) { emit_block_vector_taps(kb, plan, rows, 1, l, true, gy, w_rows, gx, L, Lout, rows_valid); });
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    return fn;
  }
  const int64_t B = static_cast<int64_t>(lw.schedule.bwd_data_block_t) * kb.lanes();
  emit_sweep(
      kb, "bwd_data", plan, kb.i64(0), l_a, l_b, L, B, 1,
      [&](Value* l0) { emit_block(kb, lw, plan, rows, l0, gy, w_rows, gx, L, Lout, rows_valid); },
      [&](Value* l) { emit_edge(kb, plan, rows, l, gy, w_rows, gx, L, Lout, rows_valid); });
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  return fn;
}

}  // namespace

void lower_backward_data(const Lowering& lw, const std::string& symbol) {
  const ConvSpec& spec = lw.spec;
  LayerGeometry plan(spec);
  const int R = lw.schedule.bwd_data_block_ci;
  const int64_t blocks = backward_data_blocks_per_group(spec, lw.schedule);
  // Only input channels in lanes repack weights; the other layouts read them in place.
  const bool channels = lw.schedule.bwd_data_lanes == Lanes::Channels;
  Function* pack = channels ? emit_pack_channels(lw, plan, R) : nullptr;
  Function* body = emit_body(lw, plan, R, pack);
  const int64_t slice = channels ? ChannelPacking(lw, plan, R).elements() : 0;
  // Block `block` of group g: its first input channel, and how many of its rows exist.
  auto ci0_of = [&](KernelBuilder& kb, Value* g, Value* block) {
    auto& b = kb.b();
    return b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cig)), b.CreateMul(block, kb.i64(R)), "ci0");
  };
  auto rows_of = [&](KernelBuilder& kb, Value* block) {
    return rows_in_block(kb, plan.Cig, R, kb.b().CreateMul(block, kb.i64(R)));
  };

  // a.pointers: grad_y, weight[, packed], grad_x.
  auto per_item = [&](KernelBuilder& kb, Value* item, const ItemArgs& a, Value* packed_base) -> Value* {
    auto& b = kb.b();
    auto [n, g, block] = split_item(kb, item, spec.groups, blocks);
    Value* ci = ci0_of(kb, g, block);
    Value* gy = ncl_row(kb, a.pointers[0], n, spec.out_channels, b.CreateMul(g, kb.i64(plan.Cog)), a.out_length, "gy.ng");
    Value* w = kb.at(a.pointers[1], b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "w.ci");
    Value* packed = channels && packed_base
                        ? packed_slice(kb, packed_base, b.CreateAdd(b.CreateMul(g, kb.i64(blocks)), block), slice)
                        : ConstantPointerNull::get(PointerType::getUnqual(kb.ctx()));
    Value* gx = ncl_row(kb, a.pointers.back(), n, spec.in_channels, ci, a.length, "gx.nci");
    return b.CreateCall(body, {gy, w, packed, gx, a.length, rows_of(kb, block)});
  };
  auto item_count = [&](KernelBuilder& kb, Value* batch) {
    return kb.b().CreateMul(batch, kb.i64(backward_data_items(spec, lw.schedule, 1)));
  };
  // The plain entry packs once per range when a range spans samples; _prepacked has its copy.
  const RangePack range_pack = emit_packed_entries(
      lw, symbol, {spec.groups * blocks, slice, [&](KernelBuilder& kb, Value* item, Value* weight, Value* packed) {
        auto& b = kb.b();
        Value* block = b.CreateSRem(item, kb.i64(blocks), "block");
        Value* ci = ci0_of(kb, b.CreateSDiv(item, kb.i64(blocks), "g"), block);
        Value* w = kb.at(weight, b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "w.ci");
        return static_cast<Value*>(b.CreateCall(pack, {w, packed, rows_of(kb, block)}));
      }});
  emit_entry(
      lw, symbol, {"grad_y", "weight", "grad_x"}, item_count,
      [&](KernelBuilder& kb, Value* item, const ItemArgs& a) { return per_item(kb, item, a, a.range_packed); },
      &range_pack);
  emit_entry(lw, symbol + "_prepacked", {"grad_y", "weight", "packed", "grad_x"}, item_count,
             [&](KernelBuilder& kb, Value* item, const ItemArgs& a) { return per_item(kb, item, a, a.pointers[2]); });
}

}  // namespace lucid::ir
