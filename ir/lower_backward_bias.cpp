// Lowering of backward-bias: db[c] = sum_{n,t} gy[n, c, t]. A work item is one channel.
// Four independent vector accumulators hide the add latency; a masked step ends each row.
#include "lowering.h"

namespace lucid::ir {

using namespace llvm;

void lower_backward_bias(const Lowering& lw, const std::string& symbol) {
  const ConvSpec& spec = lw.spec;
  constexpr int kAccumulators = 4;
  emit_entry(
      lw, symbol, {"grad_y", "grad_bias"},
      [&](KernelBuilder& kb, Value*) { return kb.i64(backward_bias_items(spec)); },
      [&](KernelBuilder& kb, Value* c, const ItemArgs& a) {
        auto& b = kb.b();
        const int V = kb.lanes();
        Value* Lout = a.out_length;
        Value* wide_end = b.CreateMul(b.CreateSDiv(Lout, kb.i64(kAccumulators * V)), kb.i64(kAccumulators * V), "wide.end");
        Values init(kAccumulators, kb.zero_vector());
        Values acc = kb.loop("bwd_bias.n", kb.i64(0), a.batch, 1, init, [&](Value* n, const Values& in) {
          Value* row = ncl_row(kb, a.pointers[0], n, spec.out_channels, c, Lout, "gy.row");
          Values sums = kb.loop("bwd_bias.t", kb.i64(0), wide_end, kAccumulators * V, in, [&](Value* t, const Values& s) {
            Values next = s;
            for (int j = 0; j < kAccumulators; ++j)
              next[j] = b.CreateFAdd(s[j], kb.load_vector(row, b.CreateAdd(t, kb.i64(j * V)), nullptr, "gy"), "acc");
            return next;
          });
          return kb.loop("bwd_bias.tail", wide_end, Lout, V, sums, [&](Value* t, const Values& s) {
            Value* mask = kb.lane_mask(V, t, 1, kb.i64(0), Lout, "gy.mask");
            Values next = s;
            next[0] = b.CreateFAdd(s[0], kb.load_vector(row, t, mask, "gy.tail"), "acc");
            return next;
          });
        });
        Value* total = b.CreateFAdd(b.CreateFAdd(acc[0], acc[1]), b.CreateFAdd(acc[2], acc[3]));
        Value* sum = kb.horizontal_sum(total, "db");
        b.CreateAlignedStore(sum, kb.at(a.pointers[1], c), kb.element_align());
        return b.getInt32(LUCID_STATUS_OK);
      });
}

}  // namespace lucid::ir
