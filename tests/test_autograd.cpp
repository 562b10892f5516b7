// Autograd: gradients of the elementwise ops and reductions, accumulation into leaves,
// NoGradGuard, retain_graph, and the errors for freed graphs, in-place changes and bad seeds.
#include <doctest/doctest.h>

#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "lucid/node.h"
#include "lucid/ops.h"
#include "lucid/tensor.h"

using lucid::DType;
using lucid::Tensor;

namespace {
Tensor vec(std::vector<double> v, bool requires_grad = true) {
  auto n = static_cast<int64_t>(v.size());
  return Tensor::from_vector(std::move(v), {n}, DType::Float64, requires_grad);
}
}  // namespace

TEST_CASE("add, sub, mul and relu send the right gradients") {
  Tensor a = vec({3, -2, 1});
  Tensor b = vec({1, 5, 4});
  Tensor y = lucid::relu(a * b + a - b * 2.0);  // [4, -22, -3] -> relu -> [4, 0, 0]
  CHECK(y.to_vector() == std::vector<double>{4, 0, 0});
  CHECK(y.grad_fn()->name() == "ReluBackward");
  y.backward();
  // dy/da = (b + 1) where active, dy/db = (a - 2) where active.
  CHECK(a.grad().to_vector() == std::vector<double>{2, 0, 0});
  CHECK(b.grad().to_vector() == std::vector<double>{1, 0, 0});
}

TEST_CASE("sum, mean and mse_loss reduce to a scalar with the right gradients") {
  Tensor a = vec({1, 2, 3, 4});
  Tensor s = lucid::sum(a);
  CHECK(s.dim() == 0);
  CHECK(s.item() == 10);
  s.backward();
  CHECK(a.grad().to_vector() == std::vector<double>{1, 1, 1, 1});

  Tensor m = vec({1, 2, 3, 4});
  lucid::mean(m).backward();
  CHECK(m.grad().to_vector() == std::vector<double>{0.25, 0.25, 0.25, 0.25});

  Tensor p = vec({1, 2});
  Tensor t = vec({0, 4});
  Tensor loss = lucid::mse_loss(p, t);  // ((1)^2 + (-2)^2) / 2
  CHECK(loss.item() == doctest::Approx(2.5));
  loss.backward();
  CHECK(p.grad().to_vector() == std::vector<double>{1, -2});
  CHECK(t.grad().to_vector() == std::vector<double>{-1, 2});
}

TEST_CASE("a tensor used twice gets the sum of both paths") {
  Tensor a = vec({3});
  (a * a).backward();
  CHECK(a.grad().item() == 6);
  Tensor b = vec({2});
  (b + b).backward();
  CHECK(b.grad().item() == 2);
}

TEST_CASE("gradients accumulate over two backward calls and zero_grad clears them") {
  Tensor a = vec({1, 2});
  (a * 3.0).backward();
  (a * 3.0).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{6, 6});
  a.zero_grad();
  CHECK_FALSE(a.grad().defined());
  (a * 2.0).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{2, 2});
}

TEST_CASE("an explicit gradient is used, and copied rather than adopted") {
  Tensor a = vec({1, 2});
  Tensor g = vec({10, 20}, false);
  a.backward(g);  // a leaf: the gradient lands on a itself
  CHECK(a.grad().to_vector() == std::vector<double>{10, 20});
  g.set({0}, 99);
  CHECK(a.grad().to_vector() == std::vector<double>{10, 20});
  Tensor y = a * 2.0;
  y.backward(g);
  CHECK(a.grad().to_vector() == std::vector<double>{10 + 198, 20 + 40});
}

TEST_CASE("NoGradGuard builds no graph, and restores the previous mode") {
  Tensor a = vec({1, 2});
  {
    lucid::NoGradGuard guard;
    CHECK_FALSE(lucid::GradMode::is_enabled());
    Tensor y = a * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    {
      lucid::NoGradGuard nested;
    }
    CHECK_FALSE(lucid::GradMode::is_enabled());
  }
  CHECK(lucid::GradMode::is_enabled());
  CHECK((a * 2.0).requires_grad());
}

TEST_CASE("backward twice through a freed graph is a clear error; retain_graph allows it") {
  Tensor a = vec({1, 2});
  Tensor y = lucid::relu(a * a);
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("already freed"), lucid::Error);

  Tensor b = vec({1, 2});
  Tensor z = lucid::relu(b * b);
  z.backward(/*retain_graph=*/true);
  z.backward();
  CHECK(b.grad().to_vector() == std::vector<double>{4, 8});
}

TEST_CASE("changing a saved tensor in place before backward is caught") {
  Tensor a = vec({1, 2});
  Tensor b = vec({3, 4});
  Tensor y = a * b;
  b.set({0}, 100);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("modified in place"), lucid::Error);
}

TEST_CASE("backward errors: no grad, wrong seed shape or dtype") {
  Tensor c = vec({1, 2}, false);
  CHECK_THROWS_WITH_AS(c.backward(), doctest::Contains("does not require grad"), lucid::Error);
  Tensor a = vec({1, 2});
  Tensor y = a * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(vec({1, 2, 3}, false)),
                       doctest::Contains("(3,) does not match the tensor float64 (2,)"),
                       lucid::Error);
  CHECK_THROWS_AS(y.backward(Tensor::ones({2}, DType::Float32)), lucid::Error);
}

TEST_CASE("binary ops name both shapes on a mismatch") {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({3, 2});
  CHECK_THROWS_WITH_AS(a + b, "add: shapes (2, 3) and (3, 2) must be equal", lucid::Error);
  CHECK_THROWS_WITH_AS(a * Tensor::zeros({2, 3}, DType::Float64),
                       doctest::Contains("dtypes float32 (shape (2, 3)) and float64"),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(lucid::mse_loss(a, b), doctest::Contains("(2, 3)"), lucid::Error);
}

TEST_CASE("reshape is differentiable") {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, DType::Float64, true);
  Tensor y = a.reshape({4}) * vec({1, 2, 3, 4}, false);
  y.backward();
  CHECK(a.grad().shape() == lucid::Shape{2, 2});
  CHECK(a.grad().to_vector() == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("requires_grad_ only on leaves can be turned off") {
  Tensor a = vec({1});
  Tensor y = a * 2.0;
  CHECK_THROWS_AS(y.requires_grad_(false), lucid::Error);
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
}
