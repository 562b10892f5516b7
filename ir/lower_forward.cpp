// Lowering of the forward pass.
//
// Phase decomposition: output position t receives tap k from input l exactly when
// t + pad_left = l*stride + k*dilation. Writing t = j*stride + r, the taps of output residue r
// are those of stride phase (r + pad_left) mod stride, and each reads x[j - e_k] with
// e_k = floor(k*dilation / stride) - floor((r + pad_left) / stride) (phase_taps.h). So every
// residue is a dense correlation along j with a handful of taps, which vectorises along j
// with contiguous loads of x. The residues of a block of j are then interleaved back into
// consecutive output positions and stored with full-width stores, which start on whole
// output vectors.
//
// A work item is (n, group, block of fwd_block_co output channels, length tile: a run of
// consecutive blocks of positions, Schedule::fwd_length_tiles). It copies its slice of
// the weight into [ci][row][tap] order per register block (counted in the kernel's time; each
// register block in the item's first block of positions, from cache, see PackInBlock; a
// caller with fixed weights passes them packed once instead, PackedEntries in lowering.h, and
// a range that spans samples packs the whole weight once for all its items, RangePack): in
// PyTorch's (Cin, Cout/G, K) order consecutive input channels of one output channel
// lie Cout/G*K elements apart, so the channel loop would touch a new page every step, and
// with power-of-two pitches those rows share a few cache sets (read in place, hifigan_up1
// and _up2 ran 10-20% slower than copied in the median, depending on the allocation).
// Inside, blocks of fwd_block_t vectors along j copy their x window once into a
// dense, zero-padded scratch (x rows L apart alias in L1 and defeat the prefetchers when
// L*4 bytes is a multiple of 4 KiB). The item's register blocks of fwd_register_co rows
// then each keep their accumulators in registers over the input channels, in chunks of
// fwd_ci_chunk with every residue inside a chunk; the inner loop has no bounds checks.
// Every block, edges included, runs one code path: whole blocks laid from j = 0; a
// block at an end of x copies its window with masks, and an output vector that crosses an
// end of y is stored with a mask. Separate one-vector edge steps (a third of the
// accumulators) beside moved-back interior blocks took a quarter of hifigan_up1's call
// (129 positions, blocks of 24), and a separate wide edge path cost 30-50% more compile time.
// Small layers (LayerGeometry::small(): seed layers, depthwise), whose
// rows are often shorter than one block and whose code compiles fast, keep interior blocks
// with one-vector edge steps: whole blocks doubled seed_decoder's 56 ns call.
//
// With Schedule::fwd_lanes == Lanes::Channels the item's body is lower_forward_channels.cpp
// instead: output channels in lanes, x broadcast (it keeps the phases of q, PhaseTaps).
#include <map>

#include "lowering.h"
#include "phase_taps.h"

namespace lucid::ir {

using namespace llvm;

namespace {

struct ForwardPlan : LayerGeometry {
  ResidueTaps taps;

  // Elements of x one block of `block` positions reads per channel, from j0 - taps.max_e,
  // and the scratch row pitch (whole 64-byte lines, so rows never share a line).
  int64_t window_width(int64_t block) const { return taps.reach(block); }
  int64_t window_pitch(int64_t block, int lanes) const {
    int64_t line = std::max<int64_t>(16, lanes);  // whole vectors, whole 64-byte lines
    return ceil_div(window_width(block), line) * line;
  }

  // Where input channel ci's taps start in a register block's packed [ci][row][tap] slice of
  // `rows` rows: every residue's taps of one channel lie in its rows * K elements.
  int64_t packed_row_elements(int rows) const { return rows * K; }
  // One register block's packed slice, padded to whole 64-byte lines, and an item's
  // (`rows` rows): the scratch of an item that packs its own, or its slice of the caller's.
  int64_t packed_pitch() const { return (Cig * register_rows * K + 15) / 16 * 16; }
  int64_t packed_elements(int rows) const { return ceil_div(rows, register_rows) * packed_pitch(); }

  // Rows of one register block, and input channels per reduction chunk (Schedule's
  // fwd_register_co and fwd_ci_chunk; here never 0).
  int register_rows;
  int64_t ci_chunk;

  ForwardPlan(const ConvSpec& spec, const Schedule& schedule)
      : LayerGeometry(spec),
        taps(spec),
        register_rows(schedule.fwd_register_rows()),
        ci_chunk(schedule.fwd_ci_chunk > 0 ? std::min<int64_t>(schedule.fwd_ci_chunk, Cig) : Cig) {}
};

// acc[p][r][u]: the sums of output residue p, row r, vector u of a block.
using ResidueSums = std::vector<std::vector<Values>>;

// How a block's window copy and output stores treat the ends of x and y: Inside (known to
// be inside: no masks), Edge (always masked) or Checked (a run-time test per copy and per
// output vector picks the plain or the masked form).
enum class Bounds { Inside, Edge, Checked };

// Emits `plain` or `masked` as `bounds` says; Checked tests `inside` (built only then) at run
// time.
void emit_bounded(KernelBuilder& kb, Bounds bounds, const std::function<Value*()>& inside, const std::string& name,
                  const std::function<void()>& plain, const std::function<void()>& masked) {
  if (bounds == Bounds::Inside) return plain();
  if (bounds == Bounds::Edge) return masked();
  Value* test = inside();
  kb.if_then(test, name, plain);
  kb.if_then(kb.b().CreateNot(test), name + ".edge", masked);
}

// Copies the block's x window (ResidueTaps::reach(U*V) positions of every input channel from
// j0 - max_e) into a dense
// scratch, zero outside [0, L). Dense: x rows lie L elements apart, and when L*4 bytes is a
// multiple of 4 KiB they all fall into the same few L1 sets. Zero-filled: blocks at the ends
// then run the very same code as the interior, with no per-tap checks.
// Where x outgrows L2 the copy waits on memory (hifigan_up4: 10-17% of the samples,
// tools/profile). Prefetching the next window from here did not pay, and from the register
// blocks' channel loops it paid 2-6% there but cost as much where x stays in L2 (hifigan_up1,
// _up2), which only the run-time length tells (README, "Where the time goes").
void emit_window_copy(KernelBuilder& kb, const ForwardPlan& plan, Value* j0, Bounds bounds, int64_t width,
                      int64_t pitch, Value* x, Value* window, Value* L) {
  auto& b = kb.b();
  const int V = kb.lanes();
  Value* x_first = b.CreateSub(j0, kb.i64(plan.taps.max_e), "x.first");
  auto copy = [&](const std::string& name, const Values& masks) {
    kb.loop(name, kb.i64(0), kb.i64(plan.Cig), 1, {}, [&](Value* ci, const Values&) {
      Value* src = kb.at(x, b.CreateAdd(b.CreateMul(ci, L), x_first), "x.src");
      Value* dst = kb.at(window, b.CreateMul(ci, kb.i64(pitch)), "x.dst");
      for (int64_t i = 0, j = 0; i < width; i += V, ++j)
        kb.store(kb.load_vector(src, kb.i64(i), masks[static_cast<size_t>(j)], "x"), dst, kb.i64(i), nullptr);
      return Values{};
    });
  };
  const int64_t vectors = ceil_div(width, V);
  auto plain = [&] { copy("fwd.window.ci", Values(static_cast<size_t>(vectors), nullptr)); };
  auto masked = [&] {
    Values masks;
    for (int64_t i = 0; i < width; i += V)
      masks.push_back(kb.lane_mask(V, b.CreateAdd(x_first, kb.i64(i)), 1, kb.i64(0), L, "x.mask"));
    copy("fwd.window.edge.ci", masks);
  };
  // Only blocks at the ends pay for masks: masked loads in every block made the forward 40%
  // slower on depthwise (before small layers kept their own sweep).
  auto inside = [&] {
    return b.CreateAnd(b.CreateICmpSGE(x_first, kb.i64(0)),
                       b.CreateICmpSLE(b.CreateAdd(x_first, kb.i64(vectors * V)), L), "x.inside");
  };
  emit_bounded(kb, bounds, inside, "fwd.window", plain, masked);
}

// Lines a register block's pass over its input channels prefetches per channel: from
// `ahead` + ci * `ahead_pitch` elements, rows * K of them (emit_register_block_sums).
struct WeightPrefetch {
  Value* ahead = nullptr;  // null: none
  Value* ahead_pitch = nullptr;
};

// The sums of output residues [p0, p1) over every input channel, into acc[p]: one pass over
// the window and the packed weights serves all the chunk's residues.
void emit_residue_chunk_sums(KernelBuilder& kb, const ForwardPlan& plan, int rows, int U, int64_t p0, int64_t p1,
                           int64_t pitch, const std::string& tag, Value* c0, Value* c1, Value* window,
                           Value* packed, const WeightPrefetch& prefetch, ResidueSums& acc) {
  auto& b = kb.b();
  const int V = kb.lanes();
  Values init;
  for (int64_t p = p0; p < p1; ++p)
    for (int r = 0; r < rows; ++r) init.insert(init.end(), acc[static_cast<size_t>(p)][r].begin(), acc[static_cast<size_t>(p)][r].end());
  std::string loop_name = tag + ".residue" + std::to_string(p0) + ".ci";
  Values out = kb.loop(loop_name, c0, c1, 1, init, [&](Value* ci, const Values& in) {
    Value* x_row = kb.at(window, b.CreateMul(ci, kb.i64(pitch)), "x.row");
    std::map<std::pair<int64_t, int>, Value*> xv;
    auto x_vector = [&](int64_t e, int u) {
      Value*& v = xv[std::make_pair(e, u)];
      if (v == nullptr)
        v = kb.load_vector(x_row, kb.i64(plan.taps.max_e + u * V - e), nullptr,
                           "x.e" + std::to_string(e) + ".u" + std::to_string(u));
      return v;
    };
    Values next = in;
    size_t idx = 0;
    Value* w_row = kb.at(packed, b.CreateMul(ci, kb.i64(plan.packed_row_elements(rows))), "w.row");
    if (prefetch.ahead != nullptr)
      kb.prefetch(kb.at(prefetch.ahead, b.CreateMul(ci, prefetch.ahead_pitch), "w.ahead"), kb.i64(0),
                  plan.packed_row_elements(rows));
    for (int64_t p = p0; p < p1; ++p) {
      const auto& taps = plan.taps[static_cast<size_t>(p)];
      const int64_t T = static_cast<int64_t>(taps.size());
      for (int r = 0; r < rows; ++r)
        for (int64_t j = 0; j < T; ++j) {
          const ResidueTap& tap = taps[static_cast<size_t>(j)];
          std::string tname = "residue" + std::to_string(p) + ".tap" + std::to_string(tap.k);
          Value* wv =
              kb.splat(kb.load_scalar(w_row, kb.i64(r * plan.K + tap.k), "w." + tname + ".r" + std::to_string(r)));
          for (int u = 0; u < U; ++u) {
            size_t a = idx + static_cast<size_t>(r * U + u);
            next[a] = kb.fma(x_vector(tap.e, u), wv, next[a], "acc." + tname);
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

// Adds the bias, interleaves the residues back into consecutive outputs and stores each row.
// Rows past rows_valid are not stored (emit_row_store).
void emit_block_stores(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows, int U, Value* j0,
                       Bounds bounds, const std::string& tag, const ResidueSums& acc, Value* bias, Value* y, Value* Lout,
                       Value* rows_valid) {
  auto& b = kb.b();
  const int V = kb.lanes();
  for (int r = 0; r < rows; ++r) {
    auto store_row = [&, r] {
      Value* bias_vector = nullptr;
      if (lw.spec.bias) bias_vector = kb.splat(kb.load_scalar(bias, kb.i64(r), "bias.r" + std::to_string(r)));
      Value* y_row = kb.at(y, b.CreateMul(kb.i64(r), Lout), "y.row");
      for (int u = 0; u < U; ++u) {
        Values residues;
        for (int64_t p = 0; p < plan.s; ++p) {
          Value* v = acc[static_cast<size_t>(p)][r][u];
          residues.push_back(bias_vector ? b.CreateFAdd(v, bias_vector) : v);
        }
        // Interleaved in each store path: the result must not cross a block boundary, where the
        // backend breaks vectors of a non-power-of-two length into scalars (encodec_s5, stride
        // 5: 889 single-lane inserts and extracts in the forward body). A power-of-two count
        // zips into one s*V-lane vector; other counts become s vectors of V lanes, each from
        // two-input shuffles (KernelBuilder::interleave_split): as one s*V-lane vector, the
        // masked store and its shuffle took small_batch32's (stride 3) store code to 8115
        // instructions with 958 stack references, and 2134 with 203 this way. Zen 5, 1 thread,
        // alternating, min / median ms of 4 rounds: small_batch32 0.155 / 0.164 -> 0.141 / 0.146,
        // odd_strides.json's s3_k6 1.069 / 1.140 -> 1.027 / 1.077, s7_k14 0.344 / 0.379 -> 0.337
        // / 0.350; s6_k12 and encodec_s5 within the noise.
        const bool whole = (plan.s & (plan.s - 1)) == 0;
        const int width = whole ? static_cast<int>(plan.s * V) : V;
        auto parts = [&] {
          const std::string name = tag + ".out.r" + std::to_string(r);
          return whole ? Values{kb.interleave(residues, name)} : kb.interleave_split(residues, name);
        };
        // First output position of this vector group: t = (j0 + u*V)*s.
        Value* t0 = b.CreateMul(b.CreateAdd(j0, kb.i64(u * V)), kb.i64(plan.s), "t0");
        const int n = static_cast<int>(plan.s * V);
        auto store = [&](bool masked) {
          const Values out = parts();
          for (size_t q = 0; q < out.size(); ++q) {
            Value* t = b.CreateAdd(t0, kb.i64(static_cast<int64_t>(q) * width));
            kb.store(out[q], y_row, t, masked ? kb.lane_mask(width, t, 1, kb.i64(0), Lout, "y.mask") : nullptr);
          }
        };
        auto plain = [&] { store(false); };
        auto masked = [&] { store(true); };
        auto inside = [&] {
          return b.CreateAnd(b.CreateICmpSGE(t0, kb.i64(0)), b.CreateICmpSLE(b.CreateAdd(t0, kb.i64(n)), Lout),
                             tag + ".inside");
        };
        emit_bounded(kb, bounds, inside, tag + ".store", plain, masked);
      }
    };
    emit_row_store(kb, r, rows_valid, tag, store_row);
  }
}

// The sums of one register block of `rows` output channels over every input channel, in
// chunks of plan.ci_chunk channels with every residue inside a chunk: the chunk's slice of the
// window and of the packed weights is read once per residue from L1 instead of L2. The sums
// cross chunks in registers or, past the register file, on the stack: a few loads and
// stores per residue and chunk, against chunk x taps x rows x U FMAs.
ResidueSums emit_register_block_sums(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows, int U,
                                   int64_t pitch, const std::string& tag, Value* window, Value* packed,
                                   const WeightPrefetch& prefetch) {
  const int P = lw.schedule.fwd_phase_chunk;
  ResidueSums acc(static_cast<size_t>(plan.s), std::vector<Values>(rows, Values(U, kb.zero_vector())));
  auto chunk_sums = [&](Value* c0, Value* c1) {
    WeightPrefetch chunk_prefetch = prefetch;  // the chunk's first residue pass issues it
    for (int64_t p0 = 0; p0 < plan.s; p0 += P) {
      const int64_t p1 = std::min<int64_t>(plan.s, p0 + P);
      bool any_tap = false;
      for (int64_t p = p0; p < p1; ++p) any_tap |= !plan.taps[static_cast<size_t>(p)].empty();
      // Residues no tap reaches hold only the bias.
      if (!any_tap) continue;
      emit_residue_chunk_sums(kb, plan, rows, U, p0, p1, pitch, tag, c0, c1, window, packed, chunk_prefetch, acc);
      chunk_prefetch = {};
    }
  };
  if (plan.ci_chunk >= plan.Cig) {
    chunk_sums(kb.i64(0), kb.i64(plan.Cig));
    return acc;
  }
  auto flatten = [&] {
    Values all;
    for (const auto& residue : acc)
      for (const auto& row : residue) all.insert(all.end(), row.begin(), row.end());
    return all;
  };
  auto unflatten = [&](const Values& all) {
    size_t i = 0;
    for (auto& residue : acc)
      for (auto& row : residue)
        for (auto& v : row) v = all[i++];
  };
  auto& b = kb.b();
  unflatten(kb.loop(tag + ".ci_chunk", kb.i64(0), kb.i64(plan.Cig), plan.ci_chunk, flatten(),
                    [&](Value* c0, const Values& in) {
                      unflatten(in);
                      chunk_sums(c0, kb.min(b.CreateAdd(c0, kb.i64(plan.ci_chunk)), kb.i64(plan.Cig)));
                      return flatten();
                    }));
  return acc;
}

// Where register block j of an item starts: its first row within the item, its packed
// weights, bias and output rows, and how many of its rows exist.
struct RegisterBlock {
  Value* first_row;
  Value* packed;
  Value* bias;
  Value* y;
  Value* rows_valid;
};

// Runs `body` for each register block of an item whose first row exists: a loop when the
// item has several, else once.
void for_each_register_block(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows,
                             int64_t packed_pitch, Value* packed, Value* bias, Value* y, Value* Lout,
                             Value* rows_valid, const std::string& tag,
                             const std::function<void(const RegisterBlock&)>& body) {
  const int R = plan.register_rows;
  if (R >= rows) {
    body({kb.i64(0), packed, bias, y, rows_valid});
    return;
  }
  auto& b = kb.b();
  kb.loop(tag + ".register_block", kb.i64(0), kb.ceil_div(rows_valid, R), 1, {}, [&](Value* j, const Values&) {
    Value* r0 = b.CreateMul(j, kb.i64(R), "r0");
    body({r0, kb.at(packed, b.CreateMul(j, kb.i64(packed_pitch)), "packed.j"),
          lw.spec.bias ? kb.at(bias, r0, "bias.j") : bias, kb.at(y, b.CreateMul(r0, Lout), "y.j"),
          b.CreateSub(rows_valid, r0, "rows_valid.j")});
    return Values{};
  });
}

// Packs register block `block`, whose first weight row is w_block, with `pack`
// (emit_pack_register_block): its rows past the last real one repeat it.
void emit_pack_call(KernelBuilder& kb, const ForwardPlan& plan, Function* pack, Value* w_block,
                    const RegisterBlock& block) {
  auto& b = kb.b();
  Value* last_row = b.CreateSub(kb.min(block.rows_valid, kb.i64(plan.register_rows)), kb.i64(1), "last_row");
  b.CreateCall(pack, {w_block, block.packed, last_row});
}

// How an item's blocks of positions pack their weights. Small layers pack every register
// block before the first (pack_first null). Otherwise, in the item's first block of positions
// (pack_first, i1), each register block packs its own rows right before it sums them, while
// its pass over the channels prefetches the next register block's rows, so that pack reads
// from cache: packed up front, the weight streamed from memory with no arithmetic beside it
// (hifigan_up1, 8 MiB of weight: 2.82 / 2.92 ms min / median up front, 2.69 / 2.78 this way).
// Copying during the first block's channel pass instead, in a copy of the block's code, ran
// 2.58 / 2.72 but doubled the forward's compile time (66 -> 117 ms).
struct PackInBlock {
  Value* pack_first = nullptr;
  Function* pack = nullptr;
  Value* w = nullptr;  // the item's first weight row
};

// Emits one block of `lanes * U` consecutive j for the item's rows and stores it: one copy
// of the x window, shared by the item's register blocks.
void emit_block(KernelBuilder& kb, const Lowering& lw, const ForwardPlan& plan, int rows, Value* j0, Bounds bounds,
                Value* x, Value* window, Value* packed, int64_t packed_pitch, Value* bias, Value* y, Value* L,
                Value* Lout, Value* rows_valid, const PackInBlock& pack) {
  // Edge steps beside interior blocks (small layers) are one vector wide.
  const int U = bounds == Bounds::Edge ? 1 : lw.schedule.fwd_block_t;
  const std::string tag = bounds == Bounds::Edge ? "fwd.edge" : "fwd";
  const int64_t pitch = plan.window_pitch(lw.schedule.fwd_block_t * kb.lanes(), kb.lanes());  // one scratch for all
  emit_window_copy(kb, plan, j0, bounds, plan.window_width(U * kb.lanes()), pitch, x, window, L);
  for_each_register_block(kb, lw, plan, rows, packed_pitch, packed, bias, y, Lout, rows_valid, tag,
                          [&](const RegisterBlock& block) {
                            WeightPrefetch prefetch;
                            if (pack.pack_first != nullptr) {
                              auto& b = kb.b();
                              const int R = plan.register_rows;
                              Value* w_block = kb.at(pack.w, b.CreateMul(block.first_row, kb.i64(plan.K)), "w.block");
                              kb.if_then(pack.pack_first, tag + ".pack",
                                         [&] { emit_pack_call(kb, plan, pack.pack, w_block, block); });
                              // Later blocks prefetch the rows they read anyway. Past the last
                              // row, the prefetches fall harmlessly outside the weight.
                              prefetch.ahead = b.CreateSelect(pack.pack_first, kb.at(w_block, kb.i64(R * plan.K)),
                                                              block.packed, "w.prefetch");
                              prefetch.ahead_pitch =
                                  b.CreateSelect(pack.pack_first, kb.i64(plan.Cog * plan.K),
                                                 kb.i64(plan.packed_row_elements(R)), "w.prefetch_pitch");
                            }
                            ResidueSums acc = emit_register_block_sums(kb, lw, plan, plan.register_rows, U, pitch,
                                                                     tag, window, block.packed, prefetch);
                            emit_block_stores(kb, lw, plan, plan.register_rows, U, j0, bounds, tag, acc, block.bias,
                                              block.y, Lout, block.rows_valid);
                          });
}

// Copies one register block's weights into [ci][row][tap] order; rows past the last real one
// (last_row) repeat it. In PyTorch's order a register block's rows of one input
// channel are already rows * K consecutive elements, so the copy moves whole rows (one vector
// load and store each, up to kVectorRowTaps taps; longer kernels copy scalars), and the chunk
// loop reads every residue's taps of a channel from those rows * K elements, which stay in L1
// across the chunk's residues. Split by residue ([residue][ci][row][tap], s shuffles and s
// small stores per row) the pack took twice as long: hifigan_up1's forward ran 2.99 ms with
// it, 2.80 with this copy and 2.49 with no pack at all (wrong results, timing only).
//
// The pack is its own out-of-line function, called once per register block. Inlined, a layer
// with one input channel per group (depthwise) let GVN forward the packed stores into the tap
// broadcasts, which turned them into shuffles of the K-element row vector; with K and a
// phase's tap count not powers of two, LLVM 19's instruction selection crashes on that
// shape unless vector-combine and instcombine happen to tidy it first
// (docs/repro/llc19_dagcombine_crash.ll). Behind a call the packed weights stay memory, as
// they are at run time, and the tap loop broadcasts from it.
Function* emit_pack_register_block(const Lowering& lw, const ForwardPlan& plan, int rows) {
  constexpr int64_t kVectorRowTaps = 64;
  Function* fn = lw.make_body("fwd.pack.rows" + std::to_string(rows), {"w", "packed"}, {"last_row"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  Value* w = fn->getArg(0);
  Value* packed = fn->getArg(1);
  Value* last_row = fn->getArg(2);
  const Align element_align(static_cast<uint64_t>(kb.element_bytes()));
  Type* row_type = FixedVectorType::get(kb.element(), static_cast<unsigned>(plan.K));
  kb.loop("fwd.pack.ci", kb.i64(0), kb.i64(plan.Cig), 1, {}, [&](Value* ci, const Values&) {
    Value* w_row = kb.at(w, b.CreateMul(ci, kb.i64(plan.Cog * plan.K)), "w.row");
    Value* out_row = kb.at(packed, b.CreateMul(ci, kb.i64(plan.packed_row_elements(rows))), "packed.row");
    for (int r = 0; r < rows; ++r) {
      Value* taps_of_row = kb.at(w_row, b.CreateMul(kb.min(kb.i64(r), last_row), kb.i64(plan.K)), "w.taps");
      Value* out = kb.at(out_row, kb.i64(r * plan.K));
      if (plan.K <= kVectorRowTaps) {
        b.CreateAlignedStore(b.CreateAlignedLoad(row_type, taps_of_row, element_align, "w.vector"), out, element_align);
        continue;
      }
      for (int64_t k = 0; k < plan.K; ++k)
        b.CreateAlignedStore(kb.load_scalar(taps_of_row, kb.i64(k), "w"), kb.at(out, kb.i64(k)), element_align);
    }
    return Values{};
  });
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  return fn;
}

// The body of one work item: `rows` output channels of one (n, group), the positions of
// length tile `tile` (every position with one tile); of the rows, the first rows_valid exist
// (the last block of a group may be short).
// Its weights come packed from packed_in, or when that is null it packs them itself.
Function* emit_body(const Lowering& lw, const ForwardPlan& plan, int rows, Function* pack) {
  Function* fn = lw.make_body("fwd.rows" + std::to_string(rows), {"x", "w", "bias", "y", "packed"},
                              {"L", "rows_valid", "tile"});
  KernelBuilder kb(fn, lw.element, lw.lanes);
  auto& b = kb.b();
  b.SetInsertPoint(&fn->getEntryBlock());
  auto arg = fn->arg_begin();
  Value* x = arg++;
  Value* w = arg++;
  Value* bias = arg++;
  Value* y = arg++;
  Value* packed_in = arg++;
  Value* L = arg++;
  Value* rows_valid = arg++;
  Value* tile = arg++;
  Value* Lout = body_output_length(kb, lw.spec, L);
  if (lw.schedule.fwd_lanes == Lanes::Channels) {
    emit_forward_channels(lw, kb, rows, x, w, bias, y, L, Lout, rows_valid, packed_in, pack);
    b.CreateRet(b.getInt32(LUCID_STATUS_OK));
    return fn;
  }
  const int64_t s = plan.s;
  const int64_t B = static_cast<int64_t>(lw.schedule.fwd_block_t) * kb.lanes();

  // The packed weights (one [ci][row][tap] slice per register block) and the x window.
  const int64_t element_bytes = kb.element_bytes();
  const int64_t packed_pitch = plan.packed_pitch();
  const int64_t window_elements = plan.Cig * plan.window_pitch(B, kb.lanes());
  Scratch window_scratch = emit_scratch(kb, lw.module, window_elements * element_bytes, "x.window");
  Scratch packed_scratch =
      emit_scratch_unless(kb, lw.module, plan.packed_elements(rows) * element_bytes, "w.packed", packed_in);
  Value* packed = packed_scratch.pointer;
  Value* window = window_scratch.pointer;
  Value* do_pack = b.CreateIsNull(packed_in, "do_pack");
  if (plan.small())
    kb.if_then(do_pack, "fwd.pack", [&] {
      for_each_register_block(kb, lw, plan, rows, packed_pitch, packed, bias, y, Lout, rows_valid, "fwd.pack",
                              [&](const RegisterBlock& block) {
                                emit_pack_call(kb, plan, pack,
                                               kb.at(w, b.CreateMul(block.first_row, kb.i64(plan.K)), "w.block"), block);
                              });
    });
  // j covers every output: t = j*s + r in [0, Lout).
  Value* j_lo = kb.i64(0);
  Value* j_hi = kb.ceil_div(Lout, s);
  auto block = [&](Value* j0, Bounds bounds, const PackInBlock& pack_in_block) {
    emit_block(kb, lw, plan, rows, j0, bounds, x, window, packed, packed_pitch, bias, y, L, Lout, rows_valid,
               pack_in_block);
  };
  if (!plan.small()) {
    // Whole blocks laid from j = 0, the last one running past j_hi (see the file comment).
    // Length tile t of T runs blocks [t*n/T, (t+1)*n/T) of the n, so tiles never share an
    // output and differ by at most one block.
    Value* j_first = j_lo;
    Value* j_end = j_hi;
    if (const int64_t T = forward_length_tiles(lw.schedule); T > 1) {
      Value* n = kb.ceil_div(j_hi, B);
      auto tile_start = [&](Value* t) {
        return b.CreateMul(b.CreateUDiv(b.CreateMul(t, n), kb.i64(T)), kb.i64(B), "tile.j");
      };
      j_first = tile_start(tile);
      j_end = tile_start(b.CreateAdd(tile, kb.i64(1)));
    }
    kb.loop("fwd.block", j_first, j_end, B, {}, [&](Value* j0, const Values&) {
      block(j0, Bounds::Checked, {b.CreateAnd(b.CreateICmpEQ(j0, j_first), do_pack, "pack_first"), pack, w});
      return Values{};
    });
  } else {
    // Interior blocks read only inside x (from j - max_e to j + B - 1 - min_e) and write only
    // inside y.
    Value* j_a = kb.i64(std::max<int64_t>(0, plan.taps.max_e));
    Value* j_b = kb.min(b.CreateAdd(L, kb.i64(plan.taps.min_e)), kb.floor_div(Lout, s));
    emit_sweep(
        kb, "fwd", plan, j_lo, j_a, j_b, j_hi, B, kb.lanes(), [&](Value* j0) { block(j0, Bounds::Inside, {}); },
        [&](Value* j0) { block(j0, Bounds::Edge, {}); });
  }
  packed_scratch.release(kb, lw.module);
  window_scratch.release(kb, lw.module);
  b.CreateRet(b.getInt32(LUCID_STATUS_OK));
  return fn;
}

}  // namespace

void lower_forward(const Lowering& lw, const std::string& symbol) {
  const ConvSpec& spec = lw.spec;
  ForwardPlan plan(spec, lw.schedule);
  const int R = lw.schedule.fwd_block_co;
  const int64_t blocks = forward_blocks_per_group(spec, lw.schedule);
  const bool channels = lw.schedule.fwd_lanes == Lanes::Channels;
  Function* pack = channels ? emit_forward_channels_pack(lw, R) : emit_pack_register_block(lw, plan, plan.register_rows);
  Function* body = emit_body(lw, plan, R, pack);
  const int64_t slice = channels ? forward_channels_packed_elements(lw, R) : plan.packed_elements(R);
  // Block `block` of group g: its first output channel within the group, its first weight
  // row ((Cin, Cout/G, K): group g's input channels hold their Cout/G rows each) and how many
  // of its rows exist.
  auto co0_of = [&](KernelBuilder& kb, Value* block) { return kb.b().CreateMul(block, kb.i64(R), "co0"); };
  auto weight_of = [&](KernelBuilder& kb, Value* weight, Value* g, Value* co0) {
    auto& b = kb.b();
    return kb.at(weight, b.CreateMul(b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cig * plan.Cog)), co0), kb.i64(plan.K)), "w.g");
  };

  // a.pointers: x, weight, bias[, packed], y.
  auto per_item = [&](KernelBuilder& kb, Value* item, const ItemArgs& a, Value* packed_base) -> Value* {
    auto& b = kb.b();
    const int64_t tiles = forward_length_tiles(lw.schedule);
    Value* tile = b.CreateSRem(item, kb.i64(tiles), "tile");
    auto [n, g, block] = split_item(kb, b.CreateSDiv(item, kb.i64(tiles)), spec.groups, blocks);
    Value* co0 = co0_of(kb, block);
    Value* group_co0 = b.CreateAdd(b.CreateMul(g, kb.i64(plan.Cog)), co0);
    Value* x = ncl_row(kb, a.pointers[0], n, spec.in_channels, b.CreateMul(g, kb.i64(plan.Cig)), a.length, "x.ng");
    Value* w = weight_of(kb, a.pointers[1], g, co0);
    Value* bias = spec.bias ? kb.at(a.pointers[2], group_co0, "bias.g") : a.pointers[2];
    Value* packed = packed_base ? packed_slice(kb, packed_base, b.CreateAdd(b.CreateMul(g, kb.i64(blocks)), block), slice)
                                : ConstantPointerNull::get(PointerType::getUnqual(kb.ctx()));
    Value* y = ncl_row(kb, a.pointers.back(), n, spec.out_channels, group_co0, a.out_length, "y.ng");
    Value* rows_valid = rows_in_block(kb, plan.Cog, R, co0);
    return b.CreateCall(body, {x, w, bias, y, packed, a.length, rows_valid, tile});
  };
  auto item_count = [&](KernelBuilder& kb, Value* batch) {
    return kb.b().CreateMul(batch, kb.i64(forward_items(spec, lw.schedule, 1)));
  };
  // The plain entry packs once per range when a range spans samples; _prepacked has its copy.
  const RangePack range_pack = emit_packed_entries(
      lw, symbol, {spec.groups * blocks, slice, [&](KernelBuilder& kb, Value* item, Value* weight, Value* packed) {
        auto& b = kb.b();
        Value* g = b.CreateSDiv(item, kb.i64(blocks), "g");
        Value* co0 = co0_of(kb, b.CreateSRem(item, kb.i64(blocks), "block"));
        Value* w = weight_of(kb, weight, g, co0);
        Value* rows_valid = rows_in_block(kb, plan.Cog, R, co0);
        if (channels) return static_cast<Value*>(b.CreateCall(pack, {w, packed, rows_valid}));
        Value* null = ConstantPointerNull::get(PointerType::getUnqual(kb.ctx()));
        for_each_register_block(kb, lw, plan, R, plan.packed_pitch(), packed, null, null, kb.i64(0),
                                rows_valid, "fwd.pack", [&](const RegisterBlock& block) {
                                  emit_pack_call(kb, plan, pack,
                                                 kb.at(w, b.CreateMul(block.first_row, kb.i64(plan.K)), "w.block"),
                                                 block);
                                });
        return static_cast<Value*>(b.getInt32(LUCID_STATUS_OK));
      }});
  emit_entry(
      lw, symbol, {"x", "weight", "bias", "y"}, item_count,
      [&](KernelBuilder& kb, Value* item, const ItemArgs& a) { return per_item(kb, item, a, a.range_packed); },
      &range_pack);
  emit_entry(lw, symbol + "_prepacked", {"x", "weight", "bias", "packed", "y"}, item_count,
             [&](KernelBuilder& kb, Value* item, const ItemArgs& a) { return per_item(kb, item, a, a.pointers[3]); });
}

}  // namespace lucid::ir
