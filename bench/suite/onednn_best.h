// OnednnBest: the fastest way oneDNN 2.x can run one pass of one layer on this machine, the
// onednn_best baseline. Before the benchmark it builds every candidate set-up, times each
// (fastest of a few samples) and keeps the fastest:
//  - layouts: oneDNN's own (format_tag::any, inputs reordered once outside the call) and the
//    plain NCL / PyTorch-order buffers (with in-call reorders if oneDNN needs them);
//  - forward only: forward_inference and forward_training, and the bias inside the
//    deconvolution or left out of it and added by a oneDNN binary primitive in the call.
// A figure beside lucid's is then one oneDNN could really deliver, not one held back by a
// slow bias path (issue 12). Only built with oneDNN; no oneDNN type leaks from this header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "onednn_deconv.h"

namespace lucid::bench {

class OnednnBest {
 public:
  struct Candidate {
    std::string name;      // e.g. "any/training/binary_add", "plain" (backward passes)
    double seconds = -1;   // per call, fastest of 5 samples; -1 when oneDNN rejected it
    std::string error;     // oneDNN's message when rejected
  };

  // Times every candidate for pass on data with the current oneDNN thread count. Throws
  // std::runtime_error with the first rejection's message when no candidate can run.
  OnednnBest(Pass pass, ProblemData& data);
  ~OnednnBest();
  OnednnBest(const OnednnBest&) = delete;
  OnednnBest& operator=(const OnednnBest&) = delete;

  void run() { winner_->run(); }
  void output_to_user() { winner_->output_to_user(); }

  // The winner's oneDNN implementation and candidate name, e.g.
  // "jit:avx2+binary_add(jit:uni) [any/training/binary_add]".
  std::string implementation() const;
  const std::string& winner_name() const { return winner_name_; }
  const std::vector<Candidate>& candidates() const { return candidates_; }

 private:
  std::unique_ptr<OnednnDeconv> winner_;
  std::string winner_name_;
  std::vector<Candidate> candidates_;
};

}  // namespace lucid::bench
