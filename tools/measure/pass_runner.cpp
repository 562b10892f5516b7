// PassRunner: the glue between a KernelSet's C ABI and the thread pool (or the caller alone).
#include "pass_runner.h"

#include <fmt/format.h>

#include "lucid/error.h"
#include "lucid/reference.h"

#ifdef LUCID_BENCH_HAVE_THREAD_POOL
#include "lucid/backward_weight_split.h"
#include "lucid/thread_pool.h"
#endif

namespace lucid::bench {

namespace {

template <class T>
void reference_pass(Pass pass, ProblemData& d) {
  const auto* x = static_cast<const T*>(d.x.data());
  const auto* w = static_cast<const T*>(d.weight.data());
  const auto* b = static_cast<const T*>(d.bias_or_null());
  const auto* gy = static_cast<const T*>(d.grad_y.data());
  switch (pass) {
    case Pass::Forward:
      reference::forward<T>(d.spec, x, w, b, static_cast<T*>(d.y.data()), d.batch, d.length);
      break;
    case Pass::BackwardData:
      reference::backward_data<T>(d.spec, gy, w, static_cast<T*>(d.grad_x.data()), d.batch,
                                  d.length);
      break;
    case Pass::BackwardWeight:
      reference::backward_weight<T>(d.spec, x, gy, static_cast<T*>(d.grad_weight.data()),
                                    d.batch, d.length);
      break;
  }
}

}  // namespace

#ifdef LUCID_BENCH_HAVE_THREAD_POOL
bool PassRunner::can_split() { return true; }

PassRunner::PassRunner(int threads) : threads_(threads) {
  if (threads < 1) throw Error(fmt::format("threads ({}) must be >= 1", threads));
  if (threads > 1) pool_ = std::make_shared<ThreadPool>(threads);
}
#else
bool PassRunner::can_split() { return false; }

PassRunner::PassRunner(int threads) : threads_(threads) {
  if (threads != 1)
    throw Error(fmt::format("threads ({}): this build has no thread pool, only 1 works", threads));
}
#endif

PassRunner::~PassRunner() = default;

template <class Flops, class Body>
int PassRunner::split(int64_t items, Flops&& flops, Body&& body) {
  // One thread calls the kernel directly: a std::function here would cost a heap allocation
  // per call, which is more than a seed layer's whole pass (and so would counting its flops).
#ifdef LUCID_BENCH_HAVE_THREAD_POOL
  if (pool_) return pool_->parallel_for(items, flops(), body);
#endif
  (void)flops;
  return body(int64_t{0}, items);
}

int PassRunner::pack_weights(const KernelSet& k, Pass pass, const ProblemData& d) {
  const bool forward = pass == Pass::Forward;
  if (!forward && pass != Pass::BackwardData) return 0;
  const int64_t bytes = forward ? k.forward_packed_bytes : k.backward_data_packed_bytes;
  if (bytes == 0) return 0;
  packed_ = AlignedBuffer(static_cast<std::size_t>(bytes));
  // A pack moves each weight element once: weigh it as that many flops for the split.
  const auto weight_elements = [&] { return static_cast<double>(d.spec.weight_numel()); };
  return split(forward ? k.forward_pack_items() : k.backward_data_pack_items(), weight_elements,
               [&](int64_t begin, int64_t end) {
                 return forward ? k.pack_forward(d.weight.data(), packed_.data(), begin, end)
                                : k.pack_backward_data(d.weight.data(), packed_.data(), begin, end);
               });
}

int PassRunner::run(const KernelSet& k, Pass pass, ProblemData& d) {
  const auto flops = [&] { return d.spec.flops(d.batch, d.length); };
  const void* packed = packed_.data();
  switch (pass) {
    case Pass::Forward:
      return split(k.forward_items(d.batch), flops, [&](int64_t begin, int64_t end) {
        // `lucid` rows time the plain entries, which callers without a packed copy use.
        if (packed)
          return k.forward_prepacked(d.x.data(), d.weight.data(), d.bias_or_null(), packed, d.y.data(),
                                     d.batch, d.length, begin, end);
        return k.forward(d.x.data(), d.weight.data(), d.bias_or_null(), d.y.data(), d.batch,
                         d.length, begin, end);
      });
    case Pass::BackwardData:
      return split(k.backward_data_items(d.batch), flops, [&](int64_t begin, int64_t end) {
        if (packed)
          return k.backward_data_prepacked(d.grad_y.data(), d.weight.data(), packed, d.grad_x.data(),
                                           d.batch, d.length, begin, end);
        return k.backward_data(d.grad_y.data(), d.weight.data(), d.grad_x.data(), d.batch,
                               d.length, begin, end);
      });
    case Pass::BackwardWeight:
#ifdef LUCID_BENCH_HAVE_THREAD_POOL
      // As the runtime runs it: by items, and by batch slices where the items are too few.
      if (pool_)
        return run_backward_weight_on(*pool_, k, d.x.data(), d.grad_y.data(), d.grad_weight.data(), d.batch,
                                      d.length);
#endif
      return split(k.backward_weight_items(), flops, [&](int64_t begin, int64_t end) {
        return k.backward_weight(d.x.data(), d.grad_y.data(), d.grad_weight.data(), d.batch,
                                 d.length, begin, end);
      });
  }
  return -1;
}

void run_reference(Pass pass, ProblemData& data) {
  if (data.spec.dtype == DType::Float32) reference_pass<float>(pass, data);
  else reference_pass<double>(pass, data);
}

}  // namespace lucid::bench
