// Correctness of ConvSpec: lengths, resolved crops, key, flops, and the text round trip.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "lucid/conv_spec.h"

using lucid::ConvSpec;
using lucid::DType;
using lucid::Padding;

TEST_CASE("output_length follows (L-1)*s - pl - pr + d*(K-1) + op + 1") {
  const ConvSpec decoder = ConvSpec::make(4, 2, 3, 2, 1, 1);  // the Lucid docs' decoder layer
  CHECK(decoder.output_length(5) == 10);
  CHECK(ConvSpec::make(1, 1, 2).output_length(3) == 4);
  CHECK(ConvSpec::make(1, 1, 2, 2).output_length(3) == 6);
  CHECK(ConvSpec::make(512, 256, 16, 8, 4).output_length(128) == 1024);
  CHECK(ConvSpec::make(1, 1, 3, 1, 0, 0, 2).output_length(4) == 8);
  CHECK(ConvSpec::make(1, 1, 1).output_length(1) == 1);
  CHECK(ConvSpec::make(1, 1, 3, 1, Padding(1, 0)).output_length(4) == 5);
  for (int64_t L = 1; L < 20; ++L) {
    const ConvSpec spec = ConvSpec::make(3, 6, 5, 3, 2, 2, 2, 3);
    CHECK(spec.output_length(L) == spec.output_length_unchecked(L));
  }
}

TEST_CASE("padding resolves to pad_left and pad_right") {
  SUBCASE("int and 1-tuple spelling are symmetric") {
    const ConvSpec spec = ConvSpec::make(2, 2, 5, 1, 2);
    CHECK(spec.pad_left == 2);
    CHECK(spec.pad_right == 2);
  }
  SUBCASE("pair is asymmetric") {
    const ConvSpec spec = ConvSpec::make(2, 2, 5, 1, Padding(1, 3));
    CHECK(spec.pad_left == 1);
    CHECK(spec.pad_right == 3);
    CHECK(spec.output_length(4) == 4);
  }
  SUBCASE("valid is no crop") {
    const ConvSpec spec = ConvSpec::make(2, 2, 5, 2, Padding::valid());
    CHECK(spec.pad_left == 0);
    CHECK(spec.pad_right == 0);
    CHECK(spec.output_length(3) == 9);
  }
  SUBCASE("same: floor half on the left, the rest on the right") {
    const ConvSpec spec = ConvSpec::make(2, 2, 4, 1, Padding::same());  // total = 3
    CHECK(spec.pad_left == 1);
    CHECK(spec.pad_right == 2);
    const ConvSpec even = ConvSpec::make(2, 2, 16, 8, Padding::same());  // total = 8
    CHECK(even.pad_left == 4);
    CHECK(even.pad_right == 4);
  }
  SUBCASE("same with a kernel span shorter than the stride extends on the right") {
    const ConvSpec spec = ConvSpec::make(1, 1, 2, 5, Padding::same());  // total = 2 - 5 = -3
    CHECK(spec.pad_left == 0);
    CHECK(spec.pad_right == -3);
    CHECK(spec.output_length(3) == 15);
  }
}

TEST_CASE("padding=\"same\" gives L * stride for every kernel, stride and dilation") {
  int checked = 0;
  for (int64_t K = 1; K <= 9; ++K)
    for (int64_t s = 1; s <= 10; ++s)
      for (int64_t d = 1; d <= 4; ++d) {
        const ConvSpec spec = ConvSpec::make(2, 4, K, s, Padding::same(), 0, d, 2);
        const int64_t total = d * (K - 1) + 1 - s;
        CHECK(spec.pad_left + spec.pad_right == total);
        CHECK(spec.pad_left == (total >= 0 ? total / 2 : 0));
        for (int64_t L : {1, 2, 3, 7, 64}) {
          CHECK(spec.output_length(L) == L * s);
          ++checked;
        }
      }
  CHECK(checked == 9 * 10 * 4 * 5);
}

TEST_CASE("key names every resolved field") {
  CHECK(ConvSpec::make(512, 256, 16, 8, 4).key() == "ct1d.f32.ci512.co256.k16.s8.pl4.pr4.op0.d1.g1.b1");
  CHECK(ConvSpec::make(4, 2, 3, 2, 1, 1, 1, 1, false, DType::Float64).key() ==
        "ct1d.f64.ci4.co2.k3.s2.pl1.pr1.op1.d1.g1.b0");
  CHECK(ConvSpec::make(1, 1, 2, 5, Padding::same()).key() == "ct1d.f32.ci1.co1.k2.s5.pl0.pr-3.op0.d1.g1.b1");
  CHECK(ConvSpec::make(6, 4, 3, 1, Padding(0, 2), 0, 3, 2).key() ==
        "ct1d.f32.ci6.co4.k3.s1.pl0.pr2.op0.d3.g2.b1");
  // The key is about the kernel, not the spelling: equal crops give equal keys.
  CHECK(ConvSpec::make(8, 8, 3, 1, Padding(1, 1)).key() == ConvSpec::make(8, 8, 3, 1, 1).key());
  CHECK(ConvSpec::make(8, 8, 3, 1, Padding::valid()).key() == ConvSpec::make(8, 8, 3).key());
}

TEST_CASE("flops counts 2 * N * Cin * Cout/G * K * L") {
  CHECK(ConvSpec::make(512, 256, 16, 8, 4).flops(1, 128) == doctest::Approx(2.0 * 512 * 256 * 16 * 128));
  CHECK(ConvSpec::make(8, 12, 3, 1, 0, 0, 1, 4).flops(2, 10) == doctest::Approx(2.0 * 2 * 8 * 3 * 3 * 10));
  CHECK(ConvSpec::make(1, 1, 1).flops(1, 1) == 2.0);
}

TEST_CASE("accessors") {
  const ConvSpec spec = ConvSpec::make(6, 9, 4, 1, 0, 0, 1, 3);
  CHECK(spec.in_per_group() == 2);
  CHECK(spec.out_per_group() == 3);
  CHECK(spec.weight_numel() == 6 * 3 * 4);
}

TEST_CASE("to_string omits defaults") {
  CHECK(ConvSpec::make(512, 256, 16, 8, 4).to_string() == "ConvTranspose1d(512, 256, 16, stride=8, padding=4)");
  CHECK(ConvSpec::make(1, 1, 2).to_string() == "ConvTranspose1d(1, 1, 2)");
  CHECK(ConvSpec::make(4, 2, 3, 1, Padding::same(), 0, 1, 1, false).to_string() ==
        "ConvTranspose1d(4, 2, 3, padding=\"same\", bias=False)");
  CHECK(ConvSpec::make(4, 2, 3, 1, Padding::valid()).to_string() ==
        "ConvTranspose1d(4, 2, 3, padding=\"valid\")");
  CHECK(ConvSpec::make(4, 2, 3, 1, Padding(1, 2)).to_string() ==
        "ConvTranspose1d(4, 2, 3, padding=(1, 2))");
  CHECK(ConvSpec::make(4, 4, 3, 2, 1, 1, 3, 2, true, DType::Float64).to_string() ==
        "ConvTranspose1d(4, 4, 3, stride=2, padding=1, output_padding=1, dilation=3, groups=2, "
        "dtype=float64)");
}

TEST_CASE("parse accepts every spelling") {
  const ConvSpec base = ConvSpec::make(4, 2, 3, 2, 1, 1);
  const std::vector<std::string> spellings = {
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)",
      "nn.ConvTranspose1d(4, 2, 3, 2, 1, 1)",
      "torch.nn.ConvTranspose1d(4, 2, 3, 2, 1, 1, 1, True, 1)",
      "lucid.nn.ConvTranspose1d(in_channels=4, out_channels=2, kernel_size=3, stride=2, "
      "padding=1, output_padding=1)",
      "4, 2, 3, 2, 1, 1",
      "4, 2, kernel_size=(3,), stride=(2,), padding=(1,), output_padding=(1,)",
      "ConvTranspose1d(output_padding=1, padding=1, stride=2, kernel_size=3, out_channels=2, "
      "in_channels=4)",
      "  ConvTranspose1d (\n  4,\n  2,\n  3,\n  stride = 2,\n  padding = 1,\n  output_padding = 1,\n)  ",
      "ConvTranspose1d(4, 2, [3], stride=[2], padding=[1], output_padding=(1))",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, bias=True, dtype=float32)",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, dtype=torch.float32)",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, dtype='float32')",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, dtype=\"float\")",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, padding_mode='zeros', "
      "device=None)",
      "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1, device=\"cpu\")",
      "ConvTranspose1d(+4, 2, 3, stride=2, padding=1, output_padding=1)",
  };
  for (const auto& text : spellings) {
    CAPTURE(text);
    CHECK(ConvSpec::parse(text) == base);
  }

  SUBCASE("PyTorch's positional order: ..., output_padding, groups, bias, dilation") {
    const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(4, 6, 3, 2, 0, 1, 2, False, 3)");
    CHECK(spec == ConvSpec::make(4, 6, 3, 2, 0, 1, 3, 2, false));
  }
  SUBCASE("padding strings, tuples and pairs") {
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=\"same\")").padding == Padding::same());
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding='same')").padding == Padding::same());
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=\"valid\")").padding == Padding::valid());
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding='valid')").padding == Padding::valid());
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=(2,))").padding == Padding(2));
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=(0, 2))").padding == Padding(0, 2));
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=[1, 2])").padding == Padding(1, 2));
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, padding=(1, 2,))").padding == Padding(1, 2));
  }
  SUBCASE("bias and dtype") {
    CHECK_FALSE(ConvSpec::parse("ConvTranspose1d(1, 1, 3, bias=False)").bias);
    CHECK_FALSE(ConvSpec::parse("ConvTranspose1d(1, 1, 3, bias=false)").bias);
    CHECK(ConvSpec::parse("ConvTranspose1d(1, 1, 3, bias=True)").bias);
    for (const char* dtype : {"float64", "torch.float64", "lucid.float64", "\"float64\"",
                              "'float64'", "torch.double", "np.float64"}) {
      CAPTURE(dtype);
      CHECK(ConvSpec::parse(std::string("ConvTranspose1d(1, 1, 3, dtype=") + dtype + ")").dtype ==
            DType::Float64);
    }
  }
}

TEST_CASE("to_string parses back to an equal spec over many random specs") {
  std::mt19937_64 rng(20240611);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int round_trips = 0;
  while (round_trips < 2000) {
    const int64_t groups = pick(1, 4);
    const int64_t cin = groups * pick(1, 64), cout = groups * pick(1, 64);
    const int64_t K = pick(1, 20), s = pick(1, 10), d = pick(1, 4);
    Padding padding;
    int64_t op = 0;
    switch (pick(0, 3)) {
      case 0: padding = Padding(pick(0, 8)); break;
      case 1: padding = Padding(pick(0, 8), pick(0, 8)); break;
      case 2: padding = Padding::valid(); break;
      default: padding = Padding::same(); break;
    }
    if (padding.kind == Padding::Kind::Int || padding.kind == Padding::Kind::Pair)
      op = pick(0, std::max(s, d) - 1);
    const bool bias = pick(0, 1) == 1;
    const DType dtype = pick(0, 1) == 1 ? DType::Float64 : DType::Float32;
    const ConvSpec spec = ConvSpec::make(cin, cout, K, s, padding, op, d, groups, bias, dtype);
    const std::string text = spec.to_string();
    CAPTURE(text);
    const ConvSpec parsed = ConvSpec::parse(text);
    CHECK(parsed == spec);
    CHECK(parsed.key() == spec.key());
    CHECK(parsed.to_string() == text);
    ++round_trips;
  }
}
