// backward-bias: grad_bias[c] = sum over n, t of grad_y[n, c, t]; one item per channel.
// Memory bound: several vector partial sums keep the loads flowing.
#include "index_math.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

template <class T>
int backward_bias(const Geometry& g, const void* grad_y_, void* grad_bias_, int64_t begin,
                  int64_t end) {
  const T* grad_y = static_cast<const T*>(grad_y_);
  T* grad_bias = static_cast<T*>(grad_bias_);
  constexpr int V = kLanes<T>;
  const int64_t Lout = g.out_length;
  for (int64_t c = begin; c < end; ++c) {
    Vec<T> acc[4] = {};
    T tail = 0;
    for (int64_t n = 0; n < g.batch; ++n) {
      const T* row = grad_y + (n * g.out_channels + c) * Lout;
      int64_t t = 0;
      for (; t + 4 * V <= Lout; t += 4 * V)
        for (int u = 0; u < 4; ++u) acc[u] += load(row + t + u * V);
      for (; t + V <= Lout; t += V) acc[0] += load(row + t);
      for (; t < Lout; ++t) tail += row[t];
    }
    grad_bias[c] = horizontal_sum<T>((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail;
  }
  return 0;
}

template int backward_bias<float>(const Geometry&, const void*, void*, int64_t, int64_t);
template int backward_bias<double>(const Geometry&, const void*, void*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
