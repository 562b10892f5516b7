// optim::Optimizer: the base of the parameter-update rules. step() reads each parameter's
// grad and updates it in place with autograd off; parameters without a grad are skipped.
#pragma once

#include <vector>

#include "lucid/tensor.h"

namespace lucid::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  void zero_grad();  // drops every parameter's gradient

  const std::vector<Tensor>& parameters() const { return parameters_; }

 protected:
  std::vector<Tensor> parameters_;
};

}  // namespace lucid::optim
