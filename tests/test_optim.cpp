// optim::SGD and optim::Adam: PyTorch's update rules on hand-worked steps, skipping
// parameters without gradients, argument checks, and fitting a layer to a teacher layer.
#include <doctest/doctest.h>

#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/ops.h"
#include "lucid/optim/adam.h"
#include "lucid/optim/sgd.h"

using lucid::DType;
using lucid::Tensor;
namespace optim = lucid::optim;

namespace {
Tensor parameter(double value) {
  return Tensor::from_vector({value}, {1}, DType::Float64, true);
}
void set_grad(Tensor& p, double g) { p.set_grad(Tensor::from_vector({g}, {1}, DType::Float64)); }
}  // namespace

TEST_CASE("SGD with momentum: the buffer starts as the first gradient") {
  Tensor p = parameter(1.0);
  optim::SGD sgd({p}, {.lr = 0.1, .momentum = 0.9});
  set_grad(p, 0.5);
  sgd.step();
  CHECK(p.item() == doctest::Approx(0.95));
  sgd.step();  // buf = 0.9 * 0.5 + 0.5 = 0.95
  CHECK(p.item() == doctest::Approx(0.855));
  sgd.zero_grad();
  CHECK_FALSE(p.grad().defined());
  sgd.step();  // no grad: untouched
  CHECK(p.item() == doctest::Approx(0.855));
}

TEST_CASE("SGD: plain, weight decay and Nesterov") {
  Tensor a = parameter(1.0), b = parameter(1.0), c = parameter(1.0);
  optim::SGD plain({a}, {.lr = 0.5});
  optim::SGD decay({b}, {.lr = 0.5, .weight_decay = 0.1});
  optim::SGD nesterov({c}, {.lr = 0.5, .momentum = 0.5, .nesterov = true});
  for (Tensor* p : {&a, &b, &c}) set_grad(*p, 0.2);
  plain.step();
  decay.step();
  nesterov.step();
  CHECK(a.item() == doctest::Approx(0.9));
  CHECK(b.item() == doctest::Approx(1 - 0.5 * (0.2 + 0.1)));
  CHECK(c.item() == doctest::Approx(1 - 0.5 * (0.2 + 0.5 * 0.2)));
  CHECK_THROWS_AS(optim::SGD({a}, {.lr = 0.1, .nesterov = true}), lucid::Error);
  CHECK_THROWS_AS(optim::SGD({a}, {.lr = -1}), lucid::Error);
}

TEST_CASE("Adam: a constant gradient moves each step by lr (bias correction)") {
  Tensor p = parameter(1.0);
  optim::Adam adam({p}, {.lr = 0.1});
  set_grad(p, 0.5);
  adam.step();
  CHECK(p.item() == doctest::Approx(0.9).epsilon(1e-6));
  adam.step();
  CHECK(p.item() == doctest::Approx(0.8).epsilon(1e-6));
  CHECK_THROWS_AS(optim::Adam({p}, {.beta1 = 1.0}), lucid::Error);
}

TEST_CASE("optimisers accept only leaves that require grad") {
  Tensor p = parameter(1.0);
  Tensor derived = p * 2.0;
  CHECK_THROWS_WITH_AS(optim::SGD({derived}, {}), doctest::Contains("leaf"), lucid::Error);
  CHECK_THROWS_AS(optim::Adam({Tensor::zeros({2})}), lucid::Error);
}

TEST_CASE("Adam and SGD fit a ConvTranspose1d to a teacher layer") {
  lucid::Generator gen(4);
  lucid::ConvSpec spec = lucid::ConvSpec::make(3, 2, 4, 2, 1);
  lucid::nn::ConvTranspose1d teacher(spec, gen);
  Tensor x = Tensor::randn({8, 3, 10}, gen);
  Tensor target;
  {
    lucid::NoGradGuard no_grad;
    target = teacher(x);
  }
  for (int use_adam = 0; use_adam < 2; ++use_adam) {
    lucid::nn::ConvTranspose1d student(spec, gen);
    std::unique_ptr<optim::Optimizer> opt;
    if (use_adam) opt = std::make_unique<optim::Adam>(student.parameters(), optim::AdamOptions{.lr = 0.05});
    else opt = std::make_unique<optim::SGD>(student.parameters(), optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
    double first = 0, last = 0;
    for (int step = 0; step < 150; ++step) {
      opt->zero_grad();
      Tensor loss = lucid::mse_loss(student(x), target);
      loss.backward();
      opt->step();
      if (step == 0) first = loss.item();
      last = loss.item();
    }
    CAPTURE(use_adam);
    CHECK(last < first * 1e-3);
  }
}
