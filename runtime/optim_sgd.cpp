// optim::SGD, following torch.optim.SGD's update: weight decay, then momentum (the buffer
// starts as the first gradient), optionally Nesterov.
#include "lucid/optim/sgd.h"

#include "dtype_dispatch.h"
#include "lucid/error.h"

namespace lucid::optim {

SGD::SGD(std::vector<Tensor> parameters, SGDOptions options)
    : Optimizer(std::move(parameters)), options_(options), momentum_(parameters_.size()) {
  if (options_.lr < 0) throw Error("SGD: lr must be >= 0");
  if (options_.momentum < 0) throw Error("SGD: momentum must be >= 0");
  if (options_.nesterov && (options_.momentum <= 0 || options_.dampening != 0))
    throw Error("SGD: nesterov needs momentum > 0 and dampening = 0");
}

void SGD::step() {
  const SGDOptions& o = options_;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& p = parameters_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    bool first = !momentum_[i].defined();
    if (o.momentum != 0 && first) momentum_[i] = Tensor::zeros(p.shape(), p.dtype());
    visit_dtype(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* w = p.data_as<T>();
      const T* g = grad.data_as<T>();
      T* buf = o.momentum != 0 ? momentum_[i].data_as<T>() : nullptr;
      for (int64_t j = 0; j < p.numel(); ++j) {
        double d = static_cast<double>(g[j]) + o.weight_decay * static_cast<double>(w[j]);
        if (buf) {
          double b = first ? d : o.momentum * buf[j] + (1 - o.dampening) * d;
          buf[j] = static_cast<T>(b);
          d = o.nesterov ? d + o.momentum * b : b;
        }
        w[j] = static_cast<T>(w[j] - o.lr * d);
      }
    });
    p.mark_modified();
  }
}

}  // namespace lucid::optim
