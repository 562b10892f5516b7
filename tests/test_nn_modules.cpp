// nn::Module, nn::Sequential and nn::ReLU: parameter walks and names, train/eval, zero_grad,
// and a Sequential stack end to end.
#include <doctest/doctest.h>

#include "lucid/error.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/nn/relu.h"
#include "lucid/nn/sequential.h"

using lucid::Tensor;
namespace nn = lucid::nn;

TEST_CASE("Sequential names its children's parameters by position") {
  nn::Sequential model{std::make_shared<nn::ConvTranspose1d>(4, 8, 4, 2, 1),
                       std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::ConvTranspose1d>(8, 1, 3, 1, 1, 0, 1, 1, false)};
  auto named = model.named_parameters();
  REQUIRE(named.size() == 3);
  CHECK(named[0].first == "0.weight");
  CHECK(named[1].first == "0.bias");
  CHECK(named[2].first == "2.weight");
  CHECK(model.parameters().size() == 3);
  CHECK(model.parameter_count() == 4 * 8 * 4 + 8 + 8 * 1 * 3);
  CHECK(model.size() == 3);
  CHECK(model.to_string() ==
        "Sequential(\n  (0): ConvTranspose1d(4, 8, 4, stride=2, padding=1)\n  (1): ReLU()\n"
        "  (2): ConvTranspose1d(8, 1, 3, padding=1, bias=False)\n)");

  Tensor x = Tensor::randn({2, 4, 6});
  Tensor y = model(x);
  CHECK(y.shape() == lucid::Shape{2, 1, 12});
  y.backward();
  for (auto& [name, p] : model.named_parameters()) {
    CAPTURE(name);
    CHECK(p.grad().defined());
  }
  model.zero_grad();
  for (auto& p : model.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("parameters() sees a reassigned weight") {
  nn::ConvTranspose1d layer(1, 1, 2, 1, 0, 0, 1, 1, false);
  Tensor w = Tensor::from_vector({1, 0.5}, {1, 1, 2}, lucid::DType::Float32, true);
  layer.weight = w;
  REQUIRE(layer.parameters().size() == 1);
  CHECK(layer.parameters()[0].is_same(w));
}

TEST_CASE("train and eval reach every child") {
  auto inner = std::make_shared<nn::ReLU>();
  nn::Sequential model{inner};
  CHECK(model.is_training());
  model.eval();
  CHECK_FALSE(model.is_training());
  CHECK_FALSE(inner->is_training());
  model.train();
  CHECK(inner->is_training());
}

TEST_CASE("ReLU and a null child") {
  nn::ReLU relu;
  Tensor x = Tensor::from_vector({-1, 0, 2}, {3});
  CHECK(relu(x).to_vector() == std::vector<double>{0, 0, 2});
  nn::Sequential model;
  CHECK_THROWS_AS(model.push_back(nullptr), lucid::Error);
  auto layer = model.emplace_back<nn::ConvTranspose1d>(2, 2, 2);
  CHECK(model.size() == 1);
  CHECK(layer->spec().in_channels == 2);
}
