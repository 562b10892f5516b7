// Correctness of the reference kernels: hand-worked examples for each feature, then the
// adjoint identities that tie forward, backward_data and backward_weight together.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/reference.h"

using lucid::ConvSpec;
using lucid::Padding;
namespace reference = lucid::reference;

namespace {

template <class T>
std::vector<T> forward(const ConvSpec& spec, const std::vector<T>& x, const std::vector<T>& w,
                       const std::vector<T>& b, int64_t N, int64_t L) {
  std::vector<T> y(N * spec.out_channels * spec.output_length(L), T(-99));  // overwritten
  reference::forward(spec, x.data(), w.data(), b.empty() ? nullptr : b.data(), y.data(), N, L);
  return y;
}

template <class T>
void check_equal(const std::vector<T>& actual, const std::vector<T>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CHECK(actual[i] == doctest::Approx(expected[i]));
  }
}

}  // namespace

TEST_CASE("seed example: x=[1,2,3], w=[1,0.5]") {
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 1, 0, 0, 1, 1, false);
  const std::vector<float> x = {1, 2, 3}, w = {1, 0.5f};
  // The Lucid docs print [1, 2.5, 3.5, 1.5]; by the formula y[2] = x[2]*w[0] + x[1]*w[1] = 4.
  check_equal(forward(spec, x, w, {}, 1, 3), {1, 2.5f, 4, 1.5f});

  const std::vector<float> gy(4, 1.0f);
  std::vector<float> dx(3, -99), dw(2, -99), db(1, -99);
  reference::backward_data(spec, gy.data(), w.data(), dx.data(), 1, 3);
  reference::backward_weight(spec, x.data(), gy.data(), dw.data(), 1, 3);
  reference::backward_bias(spec, gy.data(), db.data(), 1, 3);
  check_equal(dx, {1.5f, 1.5f, 1.5f});
  check_equal(dw, {6, 6});
  check_equal(db, {4});
}

TEST_CASE("stride 2 spreads the taps") {
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 2, 0, 0, 1, 1, false);
  check_equal(forward<double>(spec, {1, 2, 3}, {1, 0.5}, {}, 1, 3), {1, 0.5, 2, 1, 3, 1.5});
  // gy = [1..6]: dx[l] = gy[2l] + 0.5 gy[2l+1]; dW[k] = sum_l x[l] gy[2l+k].
  const std::vector<double> x = {1, 2, 3}, w = {1, 0.5}, gy = {1, 2, 3, 4, 5, 6};
  std::vector<double> dx(3), dw(2);
  reference::backward_data(spec, gy.data(), w.data(), dx.data(), 1, 3);
  reference::backward_weight(spec, x.data(), gy.data(), dw.data(), 1, 3);
  check_equal(dx, {2, 5, 8});
  check_equal(dw, {1 + 6 + 15, 2 + 8 + 18});
}

TEST_CASE("stride larger than the kernel leaves zeros") {
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 3, 0, 0, 1, 1, false);
  check_equal(forward<double>(spec, {1, 2}, {1, 0.5}, {}, 1, 2), {1, 0.5, 0, 2, 1});
}

TEST_CASE("dilation 2 spaces the taps") {
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 1, 0, 0, 2, 1, false);
  // t = l + 2k: y = [x0 w0, x1 w0, x0 w1, x1 w1]
  check_equal(forward<double>(spec, {1, 2}, {1, 10}, {}, 1, 2), {1, 2, 10, 20});
}

TEST_CASE("groups=2 keeps the halves apart") {
  // Cin = 2, Cout = 4, K = 1: input channel 0 feeds outputs 0,1; channel 1 feeds 2,3.
  const ConvSpec spec = ConvSpec::make(2, 4, 1, 1, 0, 0, 1, 2, false);
  const std::vector<double> x = {1, 2, /* ci 1 */ 3, 4};
  const std::vector<double> w = {2, -1, /* ci 1 */ 10, 0.5};  // (Cin, Cout/G, K)
  check_equal(forward<double>(spec, x, w, {}, 1, 2), {2, 4, -1, -2, 30, 40, 1.5, 2});
  const std::vector<double> gy = {1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<double> dx(4), dw(4);
  reference::backward_data(spec, gy.data(), w.data(), dx.data(), 1, 2);
  reference::backward_weight(spec, x.data(), gy.data(), dw.data(), 1, 2);
  check_equal(dx, {1, 1, 10.5, 10.5});
  check_equal(dw, {3, 3, 7, 7});
}

TEST_CASE("output_padding adds positions on the right") {
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 2, 0, 1, 1, 1, false);
  check_equal(forward<double>(spec, {1, 2}, {1, 1}, {}, 1, 2), {1, 1, 2, 2, 0});
  // With a bias, the extra position holds the bias alone.
  const ConvSpec with_bias = ConvSpec::make(1, 1, 2, 2, 0, 1);
  check_equal(forward<double>(with_bias, {1, 2}, {1, 1}, {0.25}, 1, 2), {1.25, 1.25, 2.25, 2.25, 0.25});
}

TEST_CASE("padding crops both ends, a pair crops asymmetrically") {
  const std::vector<double> x = {1, 2, 3}, w = {1, 0.5};
  check_equal(forward<double>(ConvSpec::make(1, 1, 2, 1, 1, 0, 1, 1, false), x, w, {}, 1, 3), {2.5, 4});
  check_equal(forward<double>(ConvSpec::make(1, 1, 2, 1, Padding(0, 2), 0, 1, 1, false), x, w, {}, 1, 3),
              {1, 2.5});
  check_equal(forward<double>(ConvSpec::make(1, 1, 2, 1, Padding(1, 0), 0, 1, 1, false), x, w, {}, 1, 3),
              {2.5, 4, 1.5});
  // backward_data of a cropped output sees zeros where the crop removed positions.
  const ConvSpec cropped = ConvSpec::make(1, 1, 2, 1, 1, 0, 1, 1, false);
  const std::vector<double> gy = {1, 1};
  std::vector<double> dx(3);
  reference::backward_data(cropped, gy.data(), w.data(), dx.data(), 1, 3);
  check_equal(dx, {0.5, 1.5, 1});
}

TEST_CASE("bias is added to every position of its channel, batch by batch") {
  const ConvSpec spec = ConvSpec::make(1, 2, 1);
  // N = 2, L = 2; w = (1, 2, 1) = [1, -1]; b = [10, 20].
  const std::vector<double> x = {1, 2, /* n 1 */ 3, 4};
  check_equal(forward<double>(spec, x, {1, -1}, {10, 20}, 2, 2),
              {11, 12, 19, 18, /* n 1 */ 13, 14, 17, 16});
  const std::vector<double> gy = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<double> db(2);
  reference::backward_bias(spec, gy.data(), db.data(), 2, 2);
  check_equal(db, {1 + 2 + 5 + 6, 3 + 4 + 7 + 8});
}

TEST_CASE("padding=\"same\" gives L * stride") {
  const std::vector<double> x = {1, 2, 3}, w = {1, 0.5};
  SUBCASE("span longer than the stride crops") {
    // K=2, s=1: total = 1, pl = 0, pr = 1.
    const ConvSpec spec = ConvSpec::make(1, 1, 2, 1, Padding::same(), 0, 1, 1, false);
    check_equal(forward<double>(spec, x, w, {}, 1, 3), {1, 2.5, 4});
  }
  SUBCASE("span shorter than the stride extends on the right") {
    // K=2, s=4: total = -2, pl = 0, the output grows by 2 zeros after the full length 10.
    const ConvSpec spec = ConvSpec::make(1, 1, 2, 4, Padding::same(), 0, 1, 1, false);
    check_equal(forward<double>(spec, x, w, {}, 1, 3), {1, 0.5, 0, 0, 2, 1, 0, 0, 3, 1.5, 0, 0});
  }
  SUBCASE("odd total puts the extra crop on the right") {
    // K=3, d=2, s=2: total = 4 + 1 - 2 = 3, pl = 1, pr = 2; full output is t = 2l + 2k.
    const ConvSpec spec = ConvSpec::make(1, 1, 3, 2, Padding::same(), 0, 2, 1, false);
    // full (length 9) = [1, 0, 2+10, 0, 3+20+100, 0, 30+200, 0, 300] with w = [1, 10, 100]
    check_equal(forward<double>(spec, x, {1, 10, 100}, {}, 1, 3), {0, 12, 0, 123, 0, 230});
  }
}

TEST_CASE("float and double agree") {
  const ConvSpec spec = ConvSpec::make(4, 6, 3, 2, 1, 1, 1, 2);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  const int64_t N = 2, L = 5;
  std::vector<double> xd(N * 4 * L), wd(spec.weight_numel()), bd(6);
  for (auto* v : {&xd, &wd, &bd})
    for (double& e : *v) e = u(rng);
  const std::vector<float> xf(xd.begin(), xd.end()), wf(wd.begin(), wd.end()), bf(bd.begin(), bd.end());
  const auto yd = forward(spec, xd, wd, bd, N, L);
  const auto yf = forward(spec, xf, wf, bf, N, L);
  REQUIRE(yd.size() == yf.size());
  for (size_t i = 0; i < yd.size(); ++i) CHECK(yf[i] == doctest::Approx(yd[i]).epsilon(1e-5));
}

TEST_CASE("adjoint identities: <fwd(x,W), gy> == <x, bwd_data(gy,W)> == <W, bwd_weight(x,gy)>") {
  // forward is bilinear in (x, W); backward_data and backward_weight are its adjoints, and
  // backward_bias is the adjoint of adding the bias. Equal inner products for random data and
  // random specs prove the four loops index the same (n, c, t) for each (l, k).
  std::mt19937_64 rng(12345);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  std::uniform_real_distribution<double> u(-1, 1);
  auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
  };
  int tested = 0;
  while (tested < 300) {
    const int64_t G = pick(1, 3);
    const int64_t K = pick(1, 7), s = pick(1, 5), d = pick(1, 3);
    Padding padding;
    int64_t op = 0;
    switch (pick(0, 3)) {
      case 0: padding = Padding(pick(0, 4)); break;
      case 1: padding = Padding(pick(0, 4), pick(0, 4)); break;
      case 2: padding = Padding::valid(); break;
      default: padding = Padding::same(); break;
    }
    if (padding.kind == Padding::Kind::Int || padding.kind == Padding::Kind::Pair)
      op = pick(0, std::max(s, d) - 1);
    const ConvSpec spec = ConvSpec::make(G * pick(1, 3), G * pick(1, 3), K, s, padding, op, d, G);
    const int64_t N = pick(1, 3), L = pick(1, 12);
    if (spec.output_length_unchecked(L) < 1) continue;
    CAPTURE(spec.to_string());
    CAPTURE(L);
    const int64_t Lout = spec.output_length(L);

    std::vector<double> x(N * spec.in_channels * L), w(spec.weight_numel()), b(spec.out_channels);
    std::vector<double> gy(N * spec.out_channels * Lout);
    for (auto* v : {&x, &w, &b, &gy})
      for (double& e : *v) e = u(rng);

    std::vector<double> y(gy.size()), y_bias(gy.size()), dx(x.size()), dw(w.size()), db(b.size());
    reference::forward(spec, x.data(), w.data(), nullptr, y.data(), N, L);
    reference::forward(spec, x.data(), w.data(), b.data(), y_bias.data(), N, L);
    reference::backward_data(spec, gy.data(), w.data(), dx.data(), N, L);
    reference::backward_weight(spec, x.data(), gy.data(), dw.data(), N, L);
    reference::backward_bias(spec, gy.data(), db.data(), N, L);

    const double through_y = dot(y, gy);
    CHECK(dot(x, dx) == doctest::Approx(through_y).epsilon(1e-12));
    CHECK(dot(w, dw) == doctest::Approx(through_y).epsilon(1e-12));
    CHECK(dot(y_bias, gy) - through_y == doctest::Approx(dot(b, db)).epsilon(1e-12));
    ++tested;
  }
}
