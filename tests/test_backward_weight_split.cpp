// Backward-weight split by batch slices where its items are too few
// (include/lucid/backward_weight_split.h): which calls split, that every slice is summed
// once (against the fp64 reference, batches the slices do not divide, float and double),
// and that any number of threads gives the same bits.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <random>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/backward_weight_split.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

TEST_CASE("batch slices where the items are too few, never more than samples or copies allow") {
  CHECK(backward_weight_batch_slices(1, 32, 4096) == 4);  // small_batch32: one item
  CHECK(backward_weight_batch_slices(2, 8, 4096) == 2);
  CHECK(backward_weight_batch_slices(3, 8, 4096) == 2);
  CHECK(backward_weight_batch_slices(4, 8, 4096) == 1);   // enough items
  CHECK(backward_weight_batch_slices(1, 3, 4096) == 3);   // no more slices than samples
  CHECK(backward_weight_batch_slices(1, 1, 4096) == 1);
  CHECK(backward_weight_batch_slices(1, 32, kSliceCopyBytes / 2) == 3);  // 2 copies fit
  CHECK(backward_weight_batch_slices(1, 32, kSliceCopyBytes * 2) == 1);  // none fits
}

template <class T>
void check_split(const ConvSpec& spec, int64_t batch, int64_t length, double tolerance) {
  std::mt19937_64 rng(static_cast<uint64_t>(batch * 1000 + length));
  const Problem p{spec, batch, length};
  const PassData<T> data(p, rng);
  auto set = memory_only_engine().kernels(spec);
  // The layers below are chosen to split; a schedule change that gives them more items must
  // pick other layers, not skip the split.
  REQUIRE(backward_weight_batch_slices(set->backward_weight_items(), batch,
                                       spec.weight_numel() * static_cast<int64_t>(sizeof(T))) > 1);
  REQUIRE(spec.flops(batch, length) >= ThreadPool::kInlineFlops);
  auto run = [&](int threads) {
    ThreadPool pool(threads);
    std::vector<T> gw(data.w.size(), std::numeric_limits<T>::quiet_NaN());  // every element written
    REQUIRE(run_backward_weight_on(pool, *set, data.x.data(), data.gy.data(), gw.data(), batch, length) == 0);
    return gw;
  };
  const std::vector<T> one = run(1);
  CHECK(worst_ratio(one, data.want.gw, data.want.gw_bound, tolerance) <= 1.0);
  for (int threads : {1, 2, 3, 4}) {
    const std::vector<T> again = run(threads);
    CHECK(std::memcmp(again.data(), one.data(), one.size() * sizeof(T)) == 0);
  }
}

TEST_CASE("a sliced backward-weight sums every sample once, with the same bits on any thread count") {
  // small_batch32's layer, whose one item had kept its 2-thread call on one thread.
  const ConvSpec narrow = ConvSpec::make(16, 8, 5, 3, Padding(1), 2, 1, 1, true, DType::Float32);
  check_split<float>(narrow, 32, 512, 1e-5);
  check_split<float>(narrow, 5, 700, 1e-5);  // slices of 2, 2 and 1 samples
  check_split<float>(narrow, 3, 900, 1e-5);
  check_split<double>(ConvSpec::make(16, 8, 5, 3, Padding(1), 2, 1, 1, true, DType::Float64), 7, 300, 1e-12);
  // Grouped, dilated, padded "same", no bias.
  const ConvSpec grouped = ConvSpec::make(6, 9, 4, 1, Padding::same(), 0, 2, 3, false, DType::Float32);
  check_split<float>(grouped, 6, 1000, 1e-5);
}

}  // namespace
}  // namespace lucid::testing
