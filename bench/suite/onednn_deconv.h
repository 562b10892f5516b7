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

// How the forward pass is asked of oneDNN beyond the layout. oneDNN 2.6's jit deconvolutions
// run several times slower with a bias than without one plus a binary add (dilated on a Zen 5:
// 7.5 ms against 1.1 ms), and forward_training may pick another kernel than
// forward_inference, so onednn_best (onednn_best.h) times each combination.
// Backward passes ignore both fields (their hint is always forward_training).
struct OnednnVariant {
  bool forward_training = false;  // prop_kind::forward_training, else forward_inference
  bool separate_bias = false;     // deconvolution without bias, then a oneDNN binary add
                                  // of the bias (counted in the call); only with a bias
};

class OnednnDeconv {
 public:
  // Creates the primitives for pass on data's tensors. Throws std::runtime_error (with
  // oneDNN's message) when oneDNN rejects the configuration.
  OnednnDeconv(Pass pass, OnednnLayout layout, ProblemData& data, OnednnVariant variant = {});
  ~OnednnDeconv();
  OnednnDeconv(const OnednnDeconv&) = delete;
  OnednnDeconv& operator=(const OnednnDeconv&) = delete;

  // One timed call: (reorders for Plain when needed,) the primitive, the bias add of a
  // separate_bias variant, and a stream wait.
  void run();

  // Brings the output back into the caller's NCL / PyTorch-order buffer (Best leaves it in
  // oneDNN's layout); for checking results, never timed.
  void output_to_user();

  // oneDNN's implementation name, e.g. "jit:avx2" or "gemm:jit", plus "+reorders" when a
  // Plain call carries reorders and "+binary_add(<impl>)" for a separate bias add.
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
