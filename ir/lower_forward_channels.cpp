// Forward pass with output channels in the vector lanes: for each stride phase p (output
// positions t = q*s + p - pad_left), y[co..co+V, t] = bias + sum over ci and the phase's taps
// of W[ci, co..co+V, k] * x[ci, q - m_k], one broadcast x element per (position, tap), or per
// element where one channel vector merges them (merge_broadcasts), and one contiguous vector
// of repacked weights per (channel vector, tap). No strided or shuffled access whatever the
// stride; outputs are stored transposed, each row's positions as one masked vector where they
// are consecutive (store_lanes_as_rows). The layout of choice when a group has a vector of
// output channels (see ir/schedule.cpp).
#include <algorithm>
#include <map>

#include "lowering.h"
#include "phase_taps.h"

namespace lucid::ir {

using namespace llvm;

namespace {

struct ChannelPlan : LayerGeometry {
  PhaseTaps phase_taps;
  explicit ChannelPlan(const ConvSpec& spec) : LayerGeometry(spec), phase_taps(spec) {}
  // Packed weights of one row chunk: [phase][ci][tap of the phase][width]; where phase p starts.
  int64_t phase_offset(int64_t p, int64_t width) const { return Cig * width * phase_taps.before(p); }
};

// Whether an interior block of phase p merges its x broadcasts (ir::merges_x_broadcasts): for
// one channel vector only, whose broadcasts otherwise feed one FMA each (as merge_broadcasts
// in lower_backward_data.cpp).
bool merge_broadcasts(const ChannelPlan& plan, int64_t p, int vectors, int positions, int registers) {
  return vectors == 1 && merges_x_broadcasts(plan.phase_taps[static_cast<size_t>(p)], positions, registers);
}

// `positions` consecutive q of phase p for `vectors` channel vectors; edge blocks
// (positions = 1) read x outside [0, L) as zero. `merged`: interior blocks only, x
// element-major (merge_broadcasts).
void emit_block(KernelBuilder& kb, const ChannelPlan& plan, int64_t p, int vectors, int positions, Value* q0,
                bool edge, bool merged, Value* x, Value* packed, const Values& bias, Value* y, Value* L, Value* Lout,
                Value* row0, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int64_t width = static_cast<int64_t>(vectors) * V;
  const auto& taps = plan.phase_taps[static_cast<size_t>(p)];
  const int64_t T = static_cast<int64_t>(taps.size());
  const std::string tag = (edge ? "fwd.channels.edge.phase" : "fwd.channels.phase") + std::to_string(p);
  Value* zero = ConstantFP::get(kb.element(), 0.0);
  // Unmerged: each (position, tap)'s x index, and at the edge whether it lies inside x.
  std::vector<Values> index(static_cast<size_t>(positions)), valid(static_cast<size_t>(positions));
  for (int m = 0; m < positions && !merged; ++m)
    for (const PhaseTap& tap : taps) {
      Value* l = b.CreateAdd(q0, kb.i64(m - tap.m), "x.index");
      Value* ok = nullptr;
      if (edge) {
        ok = b.CreateAnd(b.CreateICmpSGE(l, kb.i64(0)), b.CreateICmpSLT(l, L), "x.inside");
        l = b.CreateSelect(ok, l, kb.i64(0));
      }
      index[static_cast<size_t>(m)].push_back(l);
      valid[static_cast<size_t>(m)].push_back(ok);
    }
  Values init;
  for (int g = 0; g < vectors; ++g)
    for (int m = 0; m < positions; ++m) init.push_back(bias[static_cast<size_t>(g)]);
  Value* w_phase = kb.at(packed, kb.i64(plan.phase_offset(p, width)), "w.phase");
  Value* ahead =
      edge ? nullptr : b.CreateAdd(q0, kb.i64(kRowPrefetchBytes / kb.element_bytes() - taps.front().m), "x.ahead");
  // Merged: the (position, tap) pairs reading each x element, by its offset from q0.
  std::map<int64_t, std::vector<std::pair<int, int64_t>>> readers_by_offset;
  if (merged)
    for (int m = 0; m < positions; ++m)
      for (int64_t j = 0; j < T; ++j) readers_by_offset[m - taps[static_cast<size_t>(j)].m].push_back({m, j});
  Values acc = kb.loop(tag + ".ci", kb.i64(0), kb.i64(plan.Cig), 1, init, [&](Value* ci, const Values& in) {
    Value* x_row = kb.at(x, b.CreateMul(ci, L), "x.row");
    if (ahead) kb.prefetch(x_row, ahead, 1);
    Value* w_ci = kb.at(w_phase, b.CreateMul(ci, kb.i64(T * width)), "w.ci");
    Values next = in;
    if (merged) {
      Values wv;
      for (int64_t j = 0; j < T; ++j) wv.push_back(kb.load_vector(w_ci, kb.i64(j * width), nullptr, "w.merged"));
      for (const auto& [offset, readers] : readers_by_offset) {
        Value* xv = kb.splat(kb.load_scalar(x_row, b.CreateAdd(q0, kb.i64(offset)), "x.merged"));
        for (const auto& [m, j] : readers) next[m] = kb.fma(wv[j], xv, next[m], "acc.merged");
      }
      return next;
    }
    for (int64_t j = 0; j < T; ++j) {
      // Taps of neighbouring positions share x elements; an opaque row pointer per tap keeps
      // each broadcast next to its FMAs instead of merged, long-lived and spilled.
      Value* x_tap = kb.opaque(x_row, "x.row.tap" + std::to_string(taps[static_cast<size_t>(j)].k));
      Values wv;
      for (int g = 0; g < vectors; ++g) wv.push_back(kb.load_vector(w_ci, kb.i64(j * width + g * V), nullptr, "w"));
      for (int m = 0; m < positions; ++m) {
        Value* xe = kb.load_scalar(x_tap, index[static_cast<size_t>(m)][static_cast<size_t>(j)], "x");
        if (edge) xe = b.CreateSelect(valid[static_cast<size_t>(m)][static_cast<size_t>(j)], xe, zero);
        Value* xv = kb.splat(xe);
        for (int g = 0; g < vectors; ++g) next[g * positions + m] = kb.fma(wv[g], xv, next[g * positions + m], "acc");
      }
    }
    return next;
  });
  Value* t0 = b.CreateAdd(b.CreateMul(q0, kb.i64(plan.s)), kb.i64(p - plan.pl), "t0");
  store_lanes_as_rows(kb, acc, vectors, positions, y, t0, Lout, plan.s, row0, rows_valid, tag);
}


// Up to this many taps, the weights of `lanes` channels for one input channel (lanes x K
// contiguous elements) are one masked load, and each tap's vector over the channels one
// shuffle of it: K shuffles and K stores instead of lanes x K scalar copies (wide_s1 packs
// 256 x 32 x 3 per item). Longer kernels go through emit_pack_rows_as_lanes: lanes x lanes
// tiles of (channel, tap) transposed in registers.
constexpr int64_t kTileTaps = 8;

// Where tap k's vector over a chunk's channels goes, for input channel ci:
// offset[k] + ci * ci_pitch[k] elements into the chunk ([phase][ci][tap of the phase][width]).
struct TapPlacement {
  std::vector<int64_t> offset, ci_pitch;
};
TapPlacement tap_placement(const ChannelPlan& plan, int64_t width) {
  TapPlacement at{std::vector<int64_t>(static_cast<size_t>(plan.K)), std::vector<int64_t>(static_cast<size_t>(plan.K))};
  for (int64_t p = 0; p < plan.s; ++p) {
    const auto& taps = plan.phase_taps[static_cast<size_t>(p)];
    for (size_t j = 0; j < taps.size(); ++j) {
      at.offset[static_cast<size_t>(taps[j].k)] = plan.phase_offset(p, width) + static_cast<int64_t>(j) * width;
      at.ci_pitch[static_cast<size_t>(taps[j].k)] = static_cast<int64_t>(taps.size()) * width;
    }
  }
  return at;
}

// A constant i64 table in the module, and its element `index` (a run-time value).
GlobalVariable* constant_table(Module& module, const std::vector<int64_t>& values, const std::string& name) {
  const std::vector<uint64_t> data(values.begin(), values.end());
  Constant* init = ConstantDataArray::get(module.getContext(), ArrayRef<uint64_t>(data));
  return new GlobalVariable(module, init->getType(), true, GlobalValue::PrivateLinkage, init, name);
}
Value* table_entry(KernelBuilder& kb, GlobalVariable* table, Value* index) {
  auto& b = kb.b();
  Value* at = b.CreateInBoundsGEP(table->getValueType(), table, {kb.i64(0), index});
  return b.CreateLoad(b.getInt64Ty(), at, table->getName() + ".entry");
}

// Repacks the item's weights: row r of chunk c, input channel ci, tap k -> [c][phase(k)][ci][j(k)][r];
// rows past rows_valid are zero (their sums are never stored).
void emit_pack_weights(const Lowering& lw, KernelBuilder& kb, const ChannelPlan& plan, int vectors, int64_t chunks,
                       int64_t chunk_elements, Value* w, Value* packed, Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  const int64_t width = static_cast<int64_t>(vectors) * V;
  const TapPlacement place = tap_placement(plan, width);
  const bool tiles = plan.K <= kTileTaps;
  const unsigned tile_elements = static_cast<unsigned>(V * plan.K);
  const Align align = kb.element_align();
  std::vector<uint32_t> row_of_lane(tiles ? tile_elements : 0);
  for (unsigned e = 0; e < row_of_lane.size(); ++e) row_of_lane[e] = static_cast<uint32_t>(e / plan.K);
  Value* tile_rows = tiles ? ConstantDataVector::get(kb.ctx(), row_of_lane) : nullptr;
  auto* tile_type = FixedVectorType::get(kb.element(), tile_elements);
  GlobalVariable* offsets = tiles ? nullptr : constant_table(lw.module, place.offset, "pack.offset");
  GlobalVariable* pitches = tiles ? nullptr : constant_table(lw.module, place.ci_pitch, "pack.ci_pitch");
  kb.loop("fwd.channels.pack.chunk", kb.i64(0), kb.i64(chunks), 1, {}, [&](Value* c, const Values&) {
    Value* chunk_w = kb.at(packed, b.CreateMul(c, kb.i64(chunk_elements)), "pack.chunk");
    // A loop over the channel vectors, not an unrolled copy per vector (compile time).
    kb.loop("fwd.channels.pack.vector", kb.i64(0), kb.i64(width), V, {}, [&](Value* lane0, const Values&) {
      Value* r0 = b.CreateAdd(b.CreateMul(c, kb.i64(width)), lane0, "pack.r0");
      // Rows r0 + i with i < valid exist; the others read as zero and are never touched.
      Value* valid = b.CreateTrunc(kb.min(kb.max(b.CreateSub(rows_valid, r0), kb.i64(0)), kb.i64(V)), b.getInt32Ty());
      Value* tile_mask = tiles ? b.CreateICmpULT(tile_rows, b.CreateVectorSplat(tile_elements, valid), "pack.mask")
                               : nullptr;
      kb.loop("fwd.channels.pack.ci", kb.i64(0), kb.i64(plan.Cig), 1, {}, [&](Value* ci, const Values&) {
        Value* w_ci = kb.at(w, b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "pack.w");
        if (!tiles) {
          emit_pack_rows_as_lanes(
              kb, "fwd.channels.pack", r0, rows_valid, [&](Value* row) { return kb.at(w_ci, b.CreateMul(row, kb.i64(plan.K))); },
              kb.i64(plan.K), [&](Value* k) {
                Value* offset = b.CreateAdd(b.CreateMul(ci, table_entry(kb, pitches, k)), table_entry(kb, offsets, k));
                return kb.at(chunk_w, b.CreateAdd(offset, lane0), "pack.dst");
              });
          return Values{};
        }
        Value* src = kb.at(w_ci, b.CreateMul(r0, kb.i64(plan.K)), "pack.src");
        Value* tile = b.CreateMaskedLoad(tile_type, src, align, tile_mask, Constant::getNullValue(tile_type), "pack.tile");
        for (int64_t k = 0; k < plan.K; ++k) {
          SmallVector<int, 16> pick;
          for (int i = 0; i < V; ++i) pick.push_back(static_cast<int>(i * plan.K + k));
          const auto tap = static_cast<size_t>(k);
          Value* at = b.CreateAdd(b.CreateAdd(b.CreateMul(ci, kb.i64(place.ci_pitch[tap])), kb.i64(place.offset[tap])), lane0);
          kb.store(b.CreateShuffleVector(tile, pick, "pack.tap"), chunk_w, at, nullptr);
        }
        return Values{};
      });
      return Values{};
    });
    return Values{};
  });
}

// What every phase of one chunk of `vectors` channel vectors reads and writes.
struct ChunkOperands {
  Value* x;
  Value* weights;  // the chunk's packed weights
  Value* bias;     // the item's first row's bias, or null without one
  Values bias_vectors;
  Value* y;
  Value* L;
  Value* Lout;
  Value* row0;  // the chunk's first row
  Value* rows_valid;
};

// Stride phase p of one chunk: every q whose output t = q*s + p - pl lies in [0, Lout).
void emit_phase(KernelBuilder& kb, const ChannelPlan& plan, int64_t p, int vectors, int positions, int registers,
                const ChunkOperands& c) {
  auto& b = kb.b();
  const int64_t width = static_cast<int64_t>(vectors) * kb.lanes();
  const auto& taps = plan.phase_taps[static_cast<size_t>(p)];
  const int64_t lo = (plan.pl - p + plan.s - 1 + plan.s * 64) / plan.s - 64;  // ceil((pl - p) / s)
  Value* q_lo = kb.i64(lo);
  Value* q_hi = b.CreateAdd(kb.floor_div(b.CreateAdd(c.Lout, kb.i64(plan.pl - p - 1)), plan.s), kb.i64(1), "q.hi");
  const std::string name = "fwd.channels.phase" + std::to_string(p);
  if (taps.empty()) {
    // No tap reaches this phase: its outputs are the bias alone.
    const Align align = kb.element_align();
    kb.loop(name + ".bias", q_lo, q_hi, 1, {}, [&](Value* q, const Values&) {
      Value* t = b.CreateAdd(b.CreateMul(q, kb.i64(plan.s)), kb.i64(p - plan.pl));
      Value* rows = kb.min(kb.i64(width), b.CreateSub(c.rows_valid, c.row0));
      kb.loop(name + ".bias.row", kb.i64(0), rows, 1, {}, [&](Value* r, const Values&) {
        Value* row = b.CreateAdd(c.row0, r);
        Value* value = c.bias ? kb.load_scalar(c.bias, row, "bias") : ConstantFP::get(kb.element(), 0.0);
        b.CreateAlignedStore(value, kb.at(c.y, b.CreateAdd(b.CreateMul(row, c.Lout), t)), align);
        return Values{};
      });
      return Values{};
    });
    return;
  }
  int64_t min_m = taps.front().m, max_m = taps.front().m;
  for (const PhaseTap& tap : taps) {
    min_m = std::min(min_m, tap.m);
    max_m = std::max(max_m, tap.m);
  }
  // Interior: every tap reads inside x (q - m in [0, L) for every m of the phase).
  Value* q_a = kb.i64(std::max(lo, max_m));
  Value* q_b = kb.max(q_a, kb.min(q_hi, b.CreateAdd(c.L, kb.i64(min_m))));
  const bool merged = merge_broadcasts(plan, p, vectors, positions, registers);
  auto block = [&](Value* q0, int count, bool edge) {
    emit_block(kb, plan, p, vectors, count, q0, edge, merged && !edge, c.x, c.weights, c.bias_vectors, c.y, c.L,
               c.Lout, c.row0, c.rows_valid);
  };
  // Without a stride, position q is output t = q - pl of its row.
  Value* grid = plan.s == 1 ? row_line_grid(kb, q_a, c.Lout, -plan.pl, positions) : q_a;
  emit_sweep(
      kb, name, plan, q_lo, q_a, q_b, q_hi, positions, 1, [&](Value* q0) { block(q0, positions, false); },
      [&](Value* q) { block(q, 1, true); }, grid);
}

// The channel vectors of a register block and the packed weights of one item of `rows` rows:
// [chunk][phase][ci][tap of the phase][vectors * lanes].
struct ChannelPacking {
  int vectors;
  int64_t width, chunks, chunk_elements;
  ChannelPacking(const Lowering& lw, const ChannelPlan& plan, int rows) {
    const int V = lw.lanes;
    vectors = std::max(1, std::min(static_cast<int>(ceil_div(rows, V)), lw.schedule.accumulators / lw.schedule.fwd_block_t));
    width = static_cast<int64_t>(vectors) * V;
    chunks = ceil_div(rows, width);
    chunk_elements = plan.Cig * plan.K * width;
  }
  int64_t elements() const { return chunks * chunk_elements; }
};

}  // namespace

int64_t forward_channels_packed_elements(const Lowering& lw, int rows) {
  return ChannelPacking(lw, ChannelPlan(lw.spec), rows).elements();
}

Function* emit_forward_channels_pack(const Lowering& lw, int rows) {
  const ChannelPlan plan(lw.spec);
  const ChannelPacking packing(lw, plan, rows);
  Function* fn = lw.make_body("fwd.channels.pack.rows" + std::to_string(rows), {"w", "packed"}, {"rows_valid"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  kb.b().SetInsertPoint(&fn->getEntryBlock());
  emit_pack_weights(lw, kb, plan, packing.vectors, packing.chunks, packing.chunk_elements, fn->getArg(0), fn->getArg(1),
                    fn->getArg(2));
  kb.b().CreateRet(kb.b().getInt32(LUCID_STATUS_OK));
  return fn;
}

void emit_forward_channels(const Lowering& lw, KernelBuilder& kb, int rows, Value* x, Value* w, Value* bias,
                           Value* y, Value* L, Value* Lout, Value* rows_valid, Value* packed_in, Function* pack) {
  auto& b = kb.b();
  const ChannelPlan plan(lw.spec);
  const int V = kb.lanes();
  const int P = lw.schedule.fwd_block_t;
  const ChannelPacking packing(lw, plan, rows);
  const int vectors = packing.vectors;
  const int64_t width = packing.width;
  const int64_t chunk_elements = packing.chunk_elements;
  Scratch scratch =
      emit_scratch_unless(kb, lw.module, packing.elements() * kb.element_bytes(), "w.packed", packed_in);
  Value* packed = scratch.pointer;
  kb.if_then(b.CreateIsNull(packed_in), "fwd.channels.pack", [&] { b.CreateCall(pack, {w, packed, rows_valid}); });

  Value* used_chunks = kb.ceil_div(rows_valid, width);
  kb.loop("fwd.channels.chunk", kb.i64(0), used_chunks, 1, {}, [&](Value* c, const Values&) {
    Value* chunk_w = kb.at(packed, b.CreateMul(c, kb.i64(chunk_elements)), "w.chunk");
    Value* row0 = b.CreateMul(c, kb.i64(width), "row0");
    // Rows past rows_valid read zero bias: their sums are never stored.
    Values bias_vectors;
    for (int g = 0; g < vectors; ++g) {
      Value* r = b.CreateAdd(row0, kb.i64(g * V));
      bias_vectors.push_back(lw.spec.bias ? kb.load_vector(bias, r, kb.lane_mask(V, r, 1, kb.i64(0), rows_valid, "bias.mask"), "bias")
                                          : kb.zero_vector());
    }
    const ChunkOperands operands{x, chunk_w, lw.spec.bias ? bias : nullptr, bias_vectors, y, L, Lout, row0, rows_valid};
    for (int64_t p = 0; p < plan.s; ++p)
      emit_phase(kb, plan, p, vectors, P, lw.schedule.vector_registers(), operands);
    return Values{};
  });
  scratch.release(kb, lw.module);
}

}  // namespace lucid::ir
