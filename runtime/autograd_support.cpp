// Recording helpers for ops: should_record, OpNode edges, attach_node, SavedTensor, and the
// in-place accumulation the backward pass uses.
#include "autograd_support.h"

#include <fmt/format.h>

#include "dtype_dispatch.h"
#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "tensor_impl.h"

namespace lucid {

bool should_record(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

OpNode::OpNode(std::initializer_list<const Tensor*> inputs) {
  next_edges_.reserve(inputs.size());
  for (const Tensor* t : inputs) next_edges_.push_back(t->defined() ? gradient_edge(*t) : nullptr);
}

void attach_node(Tensor& output, std::shared_ptr<Node> node) { output.set_grad_fn(std::move(node)); }

SavedTensor::SavedTensor(const Tensor& t) : saved_(t.detach()), version_(t.version()) {}

Tensor SavedTensor::unpack(const std::string& node_name) const {
  if (!saved_.defined())
    throw Error(fmt::format(
        "backward: {} has already freed its saved tensors (an earlier backward() freed the "
        "graph); pass retain_graph=true to the first backward() to run backward twice",
        node_name));
  if (saved_.version() != version_)
    throw Error(fmt::format(
        "backward: a tensor of shape {} that {} needs was modified in place after the forward "
        "pass (version {} -> {}); recompute the forward pass after updating it",
        shape_to_string(saved_.shape()), node_name, version_, saved_.version()));
  return saved_;
}

bool exclusively_owned(const Tensor& t) {
  return t.impl().use_count() == 1 && t.impl()->storage.use_count() == 1;
}

void add_in_place(Tensor& a, const Tensor& b) {
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* pa = static_cast<T*>(a.data());
    const T* pb = static_cast<const T*>(b.data());
    for (int64_t i = 0; i < a.numel(); ++i) pa[i] += pb[i];
  });
  a.mark_modified();
}

}  // namespace lucid
