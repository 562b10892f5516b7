// nn::ReLU: max(x, 0) as a module, for Sequential stacks.
#pragma once

#include "lucid/nn/module.h"

namespace lucid::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string to_string() const override { return "ReLU()"; }
};

}  // namespace lucid::nn
