// PassRunner: runs one pass of a compiled KernelSet over a ProblemData, splitting the work
// items over the runtime's ThreadPool exactly as the runtime does for a layer call. Also the
// reference loops for the same pass, so every implementation is driven the same way.
#pragma once

#include <memory>

#include "lucid/kernel_set.h"
#include "pass.h"
#include "problem_data.h"

namespace lucid {
class ThreadPool;
}

namespace lucid::bench {

class PassRunner {
 public:
  // threads counts the caller. Throws lucid::Error for threads > 1 when this build has no
  // thread pool (see can_split()).
  explicit PassRunner(int threads);
  ~PassRunner();
  PassRunner(const PassRunner&) = delete;
  PassRunner& operator=(const PassRunner&) = delete;

  // Whether this build can split a call over several threads (the runtime's pool was built).
  static bool can_split();

  // Runs pass of kernels on data (outputs overwritten); returns the first non-zero kernel
  // status, 0 on success.
  int run(const KernelSet& kernels, Pass pass, ProblemData& data);

  // Packs data's weight once for pass (kernel_abi.h's packed weights), split like a call, so
  // that later run()s of forward and backward-data read the packed copy instead of packing
  // per call: an inference caller's fixed weights. The other passes, and sets with nothing to
  // pack, run as before. Returns the first non-zero pack status, 0 on success.
  int pack_weights(const KernelSet& kernels, Pass pass, const ProblemData& data);

  int threads() const { return threads_; }

 private:
  // Runs body(begin, end) over [0, items), split over the pool (weighed by flops()) when
  // there is one.
  template <class Flops, class Body>
  int split(int64_t items, Flops&& flops, Body&& body);

  int threads_;
  std::shared_ptr<ThreadPool> pool_;  // shared_ptr: ThreadPool may be incomplete here
  AlignedBuffer packed_;              // pack_weights' copy; empty: run() packs per call
};

// The reference loops for pass on data, single-threaded, in data's dtype.
void run_reference(Pass pass, ProblemData& data);

}  // namespace lucid::bench
