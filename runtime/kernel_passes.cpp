// Whole passes of a kernel set on the global thread pool (see kernel_passes.h).
#include "kernel_passes.h"

#include "kernel_status_error.h"
#include "lucid/backward_weight_split.h"
#include "lucid/thread_pool.h"

namespace lucid {

void run_forward(const KernelSet& k, const void* x, const void* weight, const void* bias, void* y, int64_t batch,
                 int64_t length, const void* packed) {
  const int status = ThreadPool::global().parallel_for(
      k.forward_items(batch), k.spec.flops(batch, length), [&](int64_t begin, int64_t end) {
        // The plain entry takes one argument fewer (none on the stack): tiny layers feel it.
        if (packed) return k.forward_prepacked(x, weight, bias, packed, y, batch, length, begin, end);
        return k.forward(x, weight, bias, y, batch, length, begin, end);
      });
  check_kernel_status(status, "forward", k.spec, batch, length);
}

void run_pack_forward(const KernelSet& k, const void* weight, void* packed) {
  // One copy of each weight element: weighed as that many flops for the pool's split.
  const int status = ThreadPool::global().parallel_for(
      k.forward_pack_items(), static_cast<double>(k.spec.weight_numel()),
      [&](int64_t begin, int64_t end) { return k.pack_forward(weight, packed, begin, end); });
  // A pack has no batch or length; 1 and 1 keep the message's shape.
  check_kernel_status(status, "forward weight pack", k.spec, 1, 1);
}

void run_backward_data(const KernelSet& k, const void* grad_y, const void* weight, void* grad_x, int64_t batch,
                       int64_t length) {
  const int status = ThreadPool::global().parallel_for(
      k.backward_data_items(batch), k.spec.flops(batch, length), [&](int64_t begin, int64_t end) {
        return k.backward_data(grad_y, weight, grad_x, batch, length, begin, end);
      });
  check_kernel_status(status, "backward-data", k.spec, batch, length);
}

void run_backward_weight(const KernelSet& k, const void* x, const void* grad_y, void* grad_weight, int64_t batch,
                         int64_t length) {
  // By items, and by batch slices where the items are too few for the pool.
  const int status = run_backward_weight_on(ThreadPool::global(), k, x, grad_y, grad_weight, batch, length);
  check_kernel_status(status, "backward-weight", k.spec, batch, length);
}

void run_backward_bias(const KernelSet& k, const void* grad_y, void* grad_bias, int64_t batch, int64_t length) {
  // One add per element of grad_y, in double: for sizes past int64 the kernel reports the status.
  const double flops = static_cast<double>(batch) * static_cast<double>(k.spec.out_channels) *
                       static_cast<double>(k.spec.output_length_or_overflow(length).value_or(0));
  const int status = ThreadPool::global().parallel_for(
      k.backward_bias_items(), flops, [&](int64_t begin, int64_t end) {
        return k.backward_bias(grad_y, grad_bias, batch, length, begin, end);
      });
  check_kernel_status(status, "backward-bias", k.spec, batch, length);
}

}  // namespace lucid
