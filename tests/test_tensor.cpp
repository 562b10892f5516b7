// Tensor: factories, shapes, element access, views, printing, the generator, and the errors
// users see for bad shapes.
#include <doctest/doctest.h>

#include <cmath>

#include "lucid/error.h"
#include "lucid/generator.h"
#include "lucid/tensor.h"

using lucid::DType;
using lucid::Tensor;

TEST_CASE("factories give the shape, dtype and values asked for") {
  Tensor z = Tensor::zeros({2, 3});
  CHECK(z.shape() == lucid::Shape{2, 3});
  CHECK(z.numel() == 6);
  CHECK(z.dtype() == DType::Float32);
  CHECK(z.at({1, 2}) == 0.0);
  Tensor o = Tensor::ones({4}, DType::Float64);
  CHECK(o.dtype() == DType::Float64);
  CHECK(o.to_vector() == std::vector<double>{1, 1, 1, 1});
  Tensor f = Tensor::full({2}, 2.5);
  CHECK(f.to_vector() == std::vector<double>{2.5, 2.5});
  Tensor v = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, DType::Float64, true);
  CHECK(v.at({1, 0}) == 4.0);
  CHECK(v.requires_grad());
  CHECK(v.is_leaf());
  CHECK(v.size(-1) == 3);
  CHECK(v.dim() == 2);
  Tensor s = Tensor::full({}, 7.0);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.item() == 7.0);
}

TEST_CASE("from_data copies raw memory") {
  const float raw[3] = {1.5f, -2.0f, 3.25f};
  Tensor t = Tensor::from_data(raw, {3}, DType::Float32);
  CHECK(t.to_vector() == std::vector<double>{1.5, -2.0, 3.25});
  CHECK(t.data_as<float>()[2] == 3.25f);
  CHECK_THROWS_AS(t.data_as<double>(), lucid::Error);
}

TEST_CASE("randn is reproducible from a seed and roughly standard normal") {
  lucid::Generator a(42), b(42), c(43);
  Tensor x = Tensor::randn({10000}, a);
  Tensor y = Tensor::randn({10000}, b);
  Tensor z = Tensor::randn({10000}, c);
  CHECK(x.to_vector() == y.to_vector());
  CHECK(x.to_vector() != z.to_vector());
  double mean = 0, var = 0;
  for (double v : x.to_vector()) mean += v;
  mean /= 10000;
  for (double v : x.to_vector()) var += (v - mean) * (v - mean);
  var /= 10000;
  CHECK(std::abs(mean) < 0.05);
  CHECK(std::abs(var - 1) < 0.05);

  lucid::manual_seed(7);
  Tensor p = Tensor::randn({5});
  lucid::manual_seed(7);
  Tensor q = Tensor::randn({5});
  CHECK(p.to_vector() == q.to_vector());
}

TEST_CASE("uniform stays inside its bounds") {
  lucid::Generator g(1);
  Tensor u = Tensor::uniform({1000}, -0.25, 0.5, g, DType::Float64);
  for (double v : u.to_vector()) {
    CHECK(v >= -0.25);
    CHECK(v < 0.5);
  }
}

TEST_CASE("set, at, item and their index errors") {
  Tensor t = Tensor::zeros({2, 2});
  auto version = t.version();
  t.set({0, 1}, 3.0);
  CHECK(t.at({0, 1}) == 3.0);
  CHECK(t.version() > version);
  CHECK_THROWS_WITH_AS(t.at({2, 0}), doctest::Contains("out of range"), lucid::Error);
  CHECK_THROWS_WITH_AS(t.at({0}), doctest::Contains("(2, 2)"), lucid::Error);
  CHECK_THROWS_WITH_AS(t.item(), doctest::Contains("4 elements"), lucid::Error);
  CHECK_THROWS_AS(t.size(2), lucid::Error);
}

TEST_CASE("from_vector names the shape it cannot fill") {
  CHECK_THROWS_WITH_AS(Tensor::from_vector({1, 2, 3}, {2, 2}),
                       "Tensor::from_vector: 3 values cannot fill shape (2, 2) (4 elements)",
                       lucid::Error);
  CHECK_THROWS_AS(Tensor::zeros({-1, 2}), lucid::Error);
}

TEST_CASE("detach and reshape share storage; clone copies") {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  Tensor d = a.detach();
  Tensor r = a.reshape({4});
  Tensor c = a.clone();
  a.set({0, 0}, 10);
  CHECK(d.at({0, 0}) == 10);
  CHECK(r.at({0}) == 10);
  CHECK(c.at({0, 0}) == 1);
  CHECK(r.shape() == lucid::Shape{4});
  CHECK_THROWS_WITH_AS(a.reshape({3}), doctest::Contains("(2, 2)"), lucid::Error);
}

TEST_CASE("an undefined tensor says so instead of crashing") {
  Tensor none;
  CHECK_FALSE(none.defined());
  CHECK_FALSE(none.requires_grad());
  CHECK_THROWS_WITH_AS(none.shape(), doctest::Contains("undefined"), lucid::Error);
  CHECK(none.to_string() == "Tensor(undefined)");
}

TEST_CASE("printing shows values, shape, dtype and autograd state") {
  Tensor t = Tensor::from_vector({1, 2.5, 4, 1.5}, {1, 1, 4}, DType::Float32, true);
  CHECK(t.to_string() ==
        "Tensor([[[1, 2.5, 4, 1.5]]], shape=(1, 1, 4), dtype=float32, requires_grad=true)");
  CHECK(lucid::shape_to_string({3}) == "(3,)");
  Tensor big = Tensor::zeros({2000});
  CHECK(big.to_string().find("...") != std::string::npos);
}
