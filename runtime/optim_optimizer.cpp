// optim::Optimizer: holds the parameters; checks they are leaves that require grad, since an
// update to anything else would be lost or would corrupt a graph.
#include "lucid/optim/optimizer.h"

#include <fmt/format.h>

#include "lucid/error.h"

namespace lucid::optim {

Optimizer::Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor& p = parameters_[i];
    if (!p.defined()) throw Error(fmt::format("optimizer: parameter {} is undefined", i));
    if (!p.is_leaf() || !p.requires_grad())
      throw Error(fmt::format("optimizer: parameter {} of shape {} must be a leaf tensor with "
                              "requires_grad=true",
                              i, shape_to_string(p.shape())));
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : parameters_) p.zero_grad();
}

}  // namespace lucid::optim
