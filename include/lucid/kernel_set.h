// KernelSet: the four kernels of one (ConvSpec, Schedule), plus how to split them.
// A set is either tier 1 (specialised machine code from the JIT or the disk cache) or tier 0
// (generic kernels built with the library that read the spec at run time; docs/semantics.md §7).
// Callers use the call methods below, which hide the difference.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "lucid/conv_spec.h"
#include "lucid/kernel_abi.h"
#include "lucid/schedule.h"
#include "lucid/work_items.h"

namespace lucid {

struct KernelSet {
  ConvSpec spec;
  Schedule schedule;  // normalised for spec; its block sizes define the work items of both tiers

  // 1: the entry points below are specialised machine code. 0: they are null and the calls
  // run the generic kernels of jit/tier0 (same results up to summation order).
  int tier = 1;
  lucid_forward_fn forward_fn = nullptr;
  lucid_backward_data_fn backward_data_fn = nullptr;
  lucid_backward_weight_fn backward_weight_fn = nullptr;
  lucid_backward_bias_fn backward_bias_fn = nullptr;

  // Packed weights for reuse across calls (kernel_abi.h), tier 1 only: the bytes of a packed
  // copy (0: the pass packs nothing, or tier 0), its pack entry and the kernel that reads it.
  int64_t forward_packed_bytes = 0;
  lucid_pack_fn forward_pack_fn = nullptr;
  lucid_forward_prepacked_fn forward_prepacked_fn = nullptr;
  int64_t backward_data_packed_bytes = 0;
  lucid_pack_fn backward_data_pack_fn = nullptr;
  lucid_backward_data_prepacked_fn backward_data_prepacked_fn = nullptr;

  // Counts the calls tier 0 serves (shared with the engine's JitStats); may be null.
  std::shared_ptr<std::atomic<int64_t>> tier0_calls;

  // Where the code came from and what it cost: "compiled", "disk" or "generic" (tier 0).
  std::string source;
  double load_ms = 0;
  std::uint64_t code_bytes = 0;  // machine code (.text) bytes of all four kernels (0 for tier 0)

  // The kernel ABI of include/lucid/kernel_abi.h, whichever tier serves it.
  int forward(const void* x, const void* weight, const void* bias, void* y, int64_t batch,
              int64_t length, int64_t item_begin, int64_t item_end) const;
  int backward_data(const void* grad_y, const void* weight, void* grad_x, int64_t batch,
                    int64_t length, int64_t item_begin, int64_t item_end) const;
  int backward_weight(const void* x, const void* grad_y, void* grad_weight, int64_t batch,
                      int64_t length, int64_t item_begin, int64_t item_end) const;
  int backward_bias(const void* grad_y, void* grad_bias, int64_t batch, int64_t length,
                    int64_t item_begin, int64_t item_end) const;

  // With packed weights: `packed` holds forward_packed_bytes (backward_data_packed_bytes)
  // written by pack_forward (pack_backward_data) over all its items from the same weight
  // values. Without a packed copy (bytes 0) they run the plain kernels and packing does
  // nothing; so callers need not ask which tier they hold.
  int pack_forward(const void* weight, void* packed, int64_t item_begin, int64_t item_end) const;
  int forward_prepacked(const void* x, const void* weight, const void* bias, const void* packed,
                        void* y, int64_t batch, int64_t length, int64_t item_begin,
                        int64_t item_end) const;
  int pack_backward_data(const void* weight, void* packed, int64_t item_begin,
                         int64_t item_end) const;
  int backward_data_prepacked(const void* grad_y, const void* weight, const void* packed,
                              void* grad_x, int64_t batch, int64_t length, int64_t item_begin,
                              int64_t item_end) const;
  int64_t forward_pack_items() const { return lucid::forward_pack_items(spec, schedule); }
  int64_t backward_data_pack_items() const {
    return lucid::backward_data_pack_items(spec, schedule);
  }

  // Work items of each pass (lucid/work_items.h); any split of [0, items) across threads is
  // race free.
  int64_t forward_items(int64_t batch) const { return lucid::forward_items(spec, schedule, batch); }
  int64_t backward_data_items(int64_t batch) const {
    return lucid::backward_data_items(spec, schedule, batch);
  }
  int64_t backward_weight_items() const { return lucid::backward_weight_items(spec, schedule); }
  int64_t backward_bias_items() const { return lucid::backward_bias_items(spec); }
};

}  // namespace lucid
