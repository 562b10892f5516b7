// nn::ReLU: forwards to lucid::relu.
#include "lucid/nn/relu.h"

#include "lucid/ops.h"

namespace lucid::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

}  // namespace lucid::nn
