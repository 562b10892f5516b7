// optim::Adam: Kingma & Ba's Adam with bias correction, as torch.optim.Adam (amsgrad off).
#pragma once

#include <cstdint>

#include "lucid/optim/optimizer.h"

namespace lucid::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> parameters, AdamOptions options = {});
  void step() override;
  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  std::vector<Tensor> first_moment_;
  std::vector<Tensor> second_moment_;
  std::vector<int64_t> steps_;
};

}  // namespace lucid::optim
