// Backward-weight with taps in lanes, cache-blocked: items of several register blocks (the
// last one partly empty) and length tiles whose sums add up in dW, on layers whose last
// channel tile and last tap tile are moved back over the tile before (so a tile that adds
// must skip what the tile before owns). Every length tile from 1 position to none, lengths
// the tiles do not divide, length 1, and every vector width from 2 to 16 lanes; all four
// passes against the fp64 reference, outputs poisoned with NaN before each call.
#include <doctest/doctest.h>

#include <random>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

template <class T>
void check_tiles(const ConvSpec& spec, int register_rows, int item_rows, double tolerance) {
  std::mt19937_64 rng(spec.in_channels * 100 + spec.kernel_size);
  for (int64_t length : {1, 10, 23})
    for (int64_t batch : {1, 2}) {
      const Problem p{spec, batch, length};
      const PassData<T> data(p, rng);
      for (int lanes : {2, 4, 8, 16})
        for (int tile : {0, 1, 3, 7, 64}) {
          Schedule s = memory_only_engine().default_schedule(spec);
          s.vector_width = lanes;
          s.bwd_weight_lanes = Lanes::Taps;
          s.bwd_weight_block_ci = item_rows;
          s.bwd_weight_register_ci = register_rows;
          s.bwd_weight_block_co = 2;
          s.bwd_weight_block_taps = 1;
          s.bwd_weight_length_tile = tile;
          check_schedule(memory_only_engine(), s.normalized_for(spec), p, data, rng, tolerance);
        }
    }
}

TEST_CASE("taps-in-lanes backward-weight: register blocks, length tiles and moved-back tiles match the reference") {
  // 5 output channels in tiles of 2 (the third moved back to [3, 5)); 12 taps in vectors of 8
  // (the second moved back to [4, 12)); 5 rows as register blocks of 2 in one item.
  check_tiles<double>(ConvSpec::make(5, 5, 12, 3, 2, 0, 1, 1, true, DType::Float64), 2, 5, 1e-12);
  // Groups and a dilation (strided grad_y loads); items of 3 rows in blocks of 2.
  check_tiles<double>(ConvSpec::make(6, 6, 16, 8, 4, 0, 2, 2, false, DType::Float64), 2, 3, 1e-12);
  check_tiles<float>(ConvSpec::make(7, 3, 9, 4, 0, 1, 1, 1, true, DType::Float32), 3, 7, 1e-5);
}

}  // namespace
}  // namespace lucid::testing
