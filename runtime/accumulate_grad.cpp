// AccumulateGrad: the node at each leaf that requires grad. It adds incoming gradients into
// leaf.grad, adopting a fresh gradient buffer outright instead of copying it.
#include <fmt/format.h>

#include "autograd_support.h"
#include "lucid/error.h"
#include "tensor_impl.h"

namespace lucid {

namespace {

class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}

  std::string name() const override { return "AccumulateGrad"; }
  bool frees_after_backward() const override { return false; }

  std::vector<Tensor> apply(const Tensor& grad) override {
    if (grad.shape() != leaf_->shape || grad.dtype() != leaf_->dtype)
      throw Error(fmt::format("backward: gradient {} {} does not match leaf {} {}",
                              dtype_name(grad.dtype()), shape_to_string(grad.shape()),
                              dtype_name(leaf_->dtype), shape_to_string(leaf_->shape)));
    Tensor& slot = leaf_->grad;
    if (!slot.defined()) {
      // A buffer nobody else holds (the usual case: a kernel just wrote it) becomes the grad;
      // anything shared, such as a user's seed gradient, is copied first.
      slot = exclusively_owned(grad) ? grad.detach() : grad.clone();
    } else {
      add_in_place(slot, grad);
    }
    return {};
  }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

}  // namespace

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.requires_grad()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  return std::make_shared<AccumulateGrad>(t.impl());
}

}  // namespace lucid
