// optim::Adam, following torch.optim.Adam (L2 weight decay added to the gradient, bias
// correction of both moments, eps added after the square root).
#include "lucid/optim/adam.h"

#include <cmath>

#include "dtype_dispatch.h"
#include "lucid/error.h"

namespace lucid::optim {

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options)
    : Optimizer(std::move(parameters)),
      options_(options),
      first_moment_(parameters_.size()),
      second_moment_(parameters_.size()),
      steps_(parameters_.size(), 0) {
  if (options_.lr < 0) throw Error("Adam: lr must be >= 0");
  if (options_.beta1 < 0 || options_.beta1 >= 1) throw Error("Adam: beta1 must be in [0, 1)");
  if (options_.beta2 < 0 || options_.beta2 >= 1) throw Error("Adam: beta2 must be in [0, 1)");
  if (options_.eps < 0) throw Error("Adam: eps must be >= 0");
}

void Adam::step() {
  const AdamOptions& o = options_;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& p = parameters_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    if (!first_moment_[i].defined()) {
      first_moment_[i] = Tensor::zeros(p.shape(), p.dtype());
      second_moment_[i] = Tensor::zeros(p.shape(), p.dtype());
    }
    int64_t t = ++steps_[i];
    double correction1 = 1 - std::pow(o.beta1, static_cast<double>(t));
    double correction2 = 1 - std::pow(o.beta2, static_cast<double>(t));
    double step_size = o.lr / correction1;
    double sqrt_correction2 = std::sqrt(correction2);
    visit_dtype(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* w = p.data_as<T>();
      const T* g = grad.data_as<T>();
      T* m = first_moment_[i].data_as<T>();
      T* v = second_moment_[i].data_as<T>();
      for (int64_t j = 0; j < p.numel(); ++j) {
        double d = static_cast<double>(g[j]) + o.weight_decay * static_cast<double>(w[j]);
        double mj = o.beta1 * m[j] + (1 - o.beta1) * d;
        double vj = o.beta2 * v[j] + (1 - o.beta2) * d * d;
        m[j] = static_cast<T>(mj);
        v[j] = static_cast<T>(vj);
        w[j] = static_cast<T>(w[j] - step_size * mj / (std::sqrt(vj) / sqrt_correction2 + o.eps));
      }
    });
    p.mark_modified();
  }
}

}  // namespace lucid::optim
