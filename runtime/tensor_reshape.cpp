// Tensor::reshape: a view over the same storage, with a node that reshapes the gradient back.
#include <fmt/format.h>

#include "autograd_support.h"
#include "lucid/error.h"
#include "tensor_impl.h"

namespace lucid {

namespace {

class ReshapeBackward : public OpNode {
 public:
  explicit ReshapeBackward(const Tensor& x) : OpNode({&x}), shape_(x.shape()) {}
  std::string name() const override { return "ReshapeBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override { return {g.detach().reshape(shape_)}; }

 private:
  Shape shape_;
};

}  // namespace

Tensor Tensor::reshape(Shape new_shape) const {
  const TensorImpl& impl = checked();
  if (shape_numel(new_shape) != impl.numel)
    throw Error(fmt::format("Tensor::reshape: shape {} ({} elements) cannot view shape {} ({})",
                            shape_to_string(new_shape), shape_numel(new_shape),
                            shape_to_string(impl.shape), impl.numel));
  Tensor view = detach();
  view.impl()->shape = std::move(new_shape);
  if (should_record({this})) attach_node(view, std::make_shared<ReshapeBackward>(*this));
  return view;
}

}  // namespace lucid
