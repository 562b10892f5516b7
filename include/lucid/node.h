// Node: one recorded operation of the autograd graph (a tensor's grad_fn). It maps the
// gradient of its output to gradients of its inputs, and holds what that needs: saved tensors
// and, for layers, the cached JIT kernels. Edges point to the nodes of the inputs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lucid/tensor.h"

namespace lucid {

class Node {
 public:
  virtual ~Node() = default;

  // E.g. "ConvTranspose1dBackward", as PyTorch names its grad_fn classes.
  virtual std::string name() const = 0;

  // Gradients of the inputs, one per next_edges() entry. An entry may be undefined when that
  // input needs none. Called with autograd recording off.
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;

  // Where each input's gradient flows: the input's grad_fn, an accumulator for a leaf that
  // requires grad, or nullptr for an input that needs no gradient.
  const std::vector<std::shared_ptr<Node>>& next_edges() const { return next_edges_; }

  // Frees saved tensors after a backward pass; a second backward through a freed node is an
  // error rather than a silent wrong answer.
  void release() {
    release_saved();
    released_ = true;
  }
  bool released() const { return released_; }
  // Leaf accumulators keep no state and are never freed.
  virtual bool frees_after_backward() const { return true; }

 protected:
  virtual void release_saved() {}

  std::vector<std::shared_ptr<Node>> next_edges_;

 private:
  bool released_ = false;
};

}  // namespace lucid
