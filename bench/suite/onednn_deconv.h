// OnednnDeconv: one pass of one layer run by oneDNN 2.x deconvolution primitives, the
// baseline lucid is measured against. Two set-ups:
//  - Plain: NCL data and PyTorch's weight order (Cin, Cout/G, K), what a framework passes.
//    If oneDNN has no implementation for those layouts, the reorders to and from its own
//    run inside the timed call, as a framework would pay for them.
//  - Best: format_tag::any everywhere; inputs are reordered once at set-up, outside the
//    timed call, and outputs stay in oneDNN's layout: oneDNN's best case.
// Only built when oneDNN is found; no oneDNN type leaks from this header.
#pragma once

#include <memory>
#include <string>

#include "pass.h"
#include "problem_data.h"

namespace lucid::bench {

enum class OnednnLayout { Plain, Best };

class OnednnDeconv {
 public:
  // Creates the primitives for pass on data's tensors. Throws std::runtime_error (with
  // oneDNN's message) when oneDNN rejects the configuration.
  OnednnDeconv(Pass pass, OnednnLayout layout, ProblemData& data);
  ~OnednnDeconv();
  OnednnDeconv(const OnednnDeconv&) = delete;
  OnednnDeconv& operator=(const OnednnDeconv&) = delete;

  // One timed call: (reorders for Plain when needed,) the primitive, and a stream wait.
  void run();

  // Brings the output back into the caller's NCL / PyTorch-order buffer (Best leaves it in
  // oneDNN's layout); for checking results, never timed.
  void output_to_user();

  // oneDNN's implementation name, e.g. "jit:avx2" or "gemm:jit", plus "+reorders" when a
  // Plain call carries reorders.
  std::string implementation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets the number of threads oneDNN's OpenMP runtime uses for the next primitive calls
// (omp_set_num_threads on the calling thread; Debian's libdnnl is built with OpenMP).
void onednn_set_threads(int threads);

// "2.6.3" (the library loaded at run time) and its threading runtime, e.g. "OpenMP".
std::string onednn_version();

}  // namespace lucid::bench
