// The pieces ops use to record the autograd graph (private to runtime/): deciding whether to
// record, wiring an output to its node, saving tensors, and running a backward pass.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "lucid/node.h"
#include "lucid/tensor.h"

namespace lucid {

// True when recording is on and any defined input requires grad.
bool should_record(std::initializer_list<const Tensor*> inputs);

// Where the gradient of `t` goes: its grad_fn, a fresh accumulator for a leaf that requires
// grad, or nullptr.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

// A node for an op: its edges are computed from the op's inputs at construction.
class OpNode : public Node {
 protected:
  explicit OpNode(std::initializer_list<const Tensor*> inputs);
};

// Makes `output` the differentiable result of `node`.
void attach_node(Tensor& output, std::shared_ptr<Node> node);

// A tensor saved for backward: the data without history (so no reference cycle through the
// output), plus the version it had, so in-place changes before backward are caught.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  // The saved tensor; throws lucid::Error if it was freed or modified in place since.
  Tensor unpack(const std::string& node_name) const;
  bool defined() const { return saved_.defined(); }
  void reset() { saved_ = Tensor(); }

 private:
  Tensor saved_;
  std::uint64_t version_ = 0;
};

// Whether `t` is referenced by nothing but the caller's handle, so it may be reused in place.
bool exclusively_owned(const Tensor& t);

// a += b elementwise (equal shapes and dtypes), bumping a's version.
void add_in_place(Tensor& a, const Tensor& b);

// The backward pass from `root` with `seed` as its gradient (Tensor::backward).
void run_backward(const Tensor& root, const Tensor& seed, bool retain_graph);

}  // namespace lucid
