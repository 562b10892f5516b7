// Backward-weight over a thread pool, by items and, where they are too few, batch slices
// (include/lucid/backward_weight_split.h).
#include "lucid/backward_weight_split.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "lucid/integer_division.h"

namespace lucid {

namespace {

// Bytes of each sample's x and grad_y, or nothing when a size overflows: such calls are left
// whole, for the kernel to refuse with its status.
bool sample_bytes(const ConvSpec& spec, int64_t length, int64_t& x_bytes, int64_t& grad_y_bytes) {
  const std::optional<int64_t> out_length = spec.output_length_or_overflow(length);
  if (length < 1 || !out_length || *out_length < 1) return false;
  const auto element = static_cast<int64_t>(dtype_size(spec.dtype));
  return !__builtin_mul_overflow(spec.in_channels * element, length, &x_bytes) &&
         !__builtin_mul_overflow(spec.out_channels * element, *out_length, &grad_y_bytes);
}

struct FreeAligned {
  void operator()(void* p) const { std::free(p); }
};

template <class T>
void add_in_order(T* sum, const T* parts, int64_t count, int64_t elements) {
  for (int64_t p = 0; p < count; ++p)
    for (int64_t i = 0; i < elements; ++i) sum[i] += parts[p * elements + i];
}

}  // namespace

int64_t backward_weight_batch_slices(int64_t items, int64_t batch, int64_t weight_bytes) {
  if (items <= 0 || items >= kSlicedItems || batch <= 1) return 1;
  const int64_t copies = weight_bytes > 0 ? kSliceCopyBytes / weight_bytes : 0;
  return std::max<int64_t>(1, std::min({batch, ceil_div(kSlicedItems, items), copies + 1}));
}

int run_backward_weight_on(ThreadPool& pool, const KernelSet& k, const void* x, const void* grad_y,
                           void* grad_weight, int64_t batch, int64_t length) {
  const int64_t items = k.backward_weight_items();
  const double flops = k.spec.flops(batch, length);
  const int64_t elements = k.spec.weight_numel();
  const auto element = static_cast<int64_t>(dtype_size(k.spec.dtype));
  int64_t x_bytes = 0, grad_y_bytes = 0;
  int64_t slices = backward_weight_batch_slices(items, batch, elements * element);
  // Tiny calls run inline on one thread anyway (ThreadPool::kInlineFlops): no copies then.
  if (flops < ThreadPool::kInlineFlops || !sample_bytes(k.spec, length, x_bytes, grad_y_bytes)) slices = 1;
  if (slices == 1)
    return pool.parallel_for(items, flops, [&](int64_t begin, int64_t end) {
      return k.backward_weight(x, grad_y, grad_weight, batch, length, begin, end);
    });

  const int64_t per_slice = ceil_div(batch, slices);
  slices = ceil_div(batch, per_slice);
  // Slice 0 writes grad_weight itself; slices 1.. their own copies, added afterwards.
  const auto copy_bytes = static_cast<std::size_t>((slices - 1) * elements * element);
  std::unique_ptr<void, FreeAligned> copies(std::aligned_alloc(64, (copy_bytes + 63) / 64 * 64));
  if (!copies) throw std::bad_alloc();
  auto* byte_copies = static_cast<unsigned char*>(copies.get());
  const int status = pool.parallel_for(slices * items, flops, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin / items; s * items < end; ++s) {
      const int64_t first = std::max(begin, s * items) - s * items;
      const int64_t last = std::min(end, (s + 1) * items) - s * items;
      const int64_t n0 = s * per_slice, n = std::min(per_slice, batch - n0);
      void* out = s == 0 ? grad_weight : byte_copies + (s - 1) * elements * element;
      const int st = k.backward_weight(static_cast<const unsigned char*>(x) + n0 * x_bytes,
                                       static_cast<const unsigned char*>(grad_y) + n0 * grad_y_bytes, out, n,
                                       length, first, last);
      if (st != 0) return st;
    }
    return 0;
  });
  if (status != 0) return status;
  if (k.spec.dtype == DType::Float32)
    add_in_order(static_cast<float*>(grad_weight), reinterpret_cast<const float*>(byte_copies), slices - 1, elements);
  else
    add_in_order(static_cast<double*>(grad_weight), reinterpret_cast<const double*>(byte_copies), slices - 1,
                 elements);
  return 0;
}

}  // namespace lucid
