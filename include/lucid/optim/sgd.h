// optim::SGD: stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and
// weight-decay rules.
#pragma once

#include "lucid/optim/optimizer.h"

namespace lucid::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> parameters, SGDOptions options);
  void step() override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_;  // one buffer per parameter, created at its first step
};

}  // namespace lucid::optim
