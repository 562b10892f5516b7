// Error messages users see from ConvSpec::make, output_length and ConvSpec::parse: every rule
// and every parser error names the argument, the value and what was expected.
#include <doctest/doctest.h>

#include <string>

#include "lucid/conv_spec.h"
#include "lucid/error.h"

using lucid::ConvSpec;
using lucid::DType;
using lucid::Error;
using lucid::Padding;

namespace {

// The message of the lucid::Error that `f` throws, or "" (and a failed check) if none.
template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("no lucid::Error was thrown");
  return "";
}

std::string parse_error(const std::string& text) {
  return message_of([&] { ConvSpec::parse(text); });
}

// Checks that `message` quotes `text` and puts a caret under text[pos] spanning `length`.
void check_caret(const std::string& message, const std::string& text, size_t pos,
                 size_t length) {
  CAPTURE(message);
  std::string caret = std::string(pos, ' ') + "^";
  if (length > 1) caret += std::string(length - 1, '~');
  CHECK(message.find("\n  " + text + "\n  " + caret) != std::string::npos);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("every size argument must be >= 1") {
  CHECK_THROWS_WITH_AS(ConvSpec::make(0, 1, 1), "ConvTranspose1d: in_channels (0) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, -2, 1), "ConvTranspose1d: out_channels (-2) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 0), "ConvTranspose1d: kernel_size (0) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 1, 0), "ConvTranspose1d: stride (0) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 1, 1, 0, 0, 0), "ConvTranspose1d: dilation (0) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 1, 1, 0, 0, 1, 0), "ConvTranspose1d: groups (0) must be >= 1", Error);
}

TEST_CASE("sizes are capped so lengths and keys cannot overflow") {
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, int64_t{1} << 40),
                       "ConvTranspose1d: kernel_size (1099511627776) must be at most 2147483647", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 1, 1, int64_t{1} << 32),
                       "ConvTranspose1d: padding (4294967296) must be at most 2147483647", Error);
  // Each factor of the weight is in range but their product is not (found by fuzz_spec_parser:
  // weight_numel() overflowed int64).
  CHECK_THROWS_WITH_AS(ConvSpec::make(2147483647, 2147483647, 2147483647),
                       "ConvTranspose1d: the weight's byte count in_channels * (out_channels / "
                       "groups) * kernel_size * sizeof(dtype) = 2147483647 * 2147483647 * "
                       "2147483647 * 4 overflows int64 (at most 9223372036854775807)",
                       Error);
  CHECK(ConvSpec::make(2147483647, 2147483647, 2, 1, 0, 0, 1, 2147483647).weight_numel() ==
        int64_t{2147483647} * 2);
}

TEST_CASE("channels must be divisible by groups") {
  CHECK_THROWS_WITH_AS(ConvSpec::make(6, 8, 3, 1, 0, 0, 1, 4),
                       "ConvTranspose1d: in_channels (6) must be divisible by groups (4)", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(8, 6, 3, 1, 0, 0, 1, 4),
                       "ConvTranspose1d: out_channels (6) must be divisible by groups (4)", Error);
}

TEST_CASE("padding must be >= 0") {
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 1, -1), "ConvTranspose1d: padding (-1) must be >= 0", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 1, Padding(1, -2)),
                       "ConvTranspose1d: padding (1, -2) must be >= 0 on both sides", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 1, Padding(-1, 0)),
                       "ConvTranspose1d: padding (-1, 0) must be >= 0 on both sides", Error);
}

TEST_CASE("output_padding: 0 <= op < max(stride, dilation), and 0 with a string padding") {
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 2, 0, -1),
                       "ConvTranspose1d: output_padding (-1) must be >= 0", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 2, 0, 2),
                       "ConvTranspose1d: output_padding (2) must be smaller than max(stride, dilation) (2)", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 1, 0, 3, 3),
                       "ConvTranspose1d: output_padding (3) must be smaller than max(stride, dilation) (3)", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 1, 0, 1),
                       "ConvTranspose1d: output_padding (1) must be smaller than max(stride, dilation) (1)", Error);
  CHECK_NOTHROW(ConvSpec::make(1, 1, 3, 1, 0, 2, 3));  // dilation alone allows it, as PyTorch
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 2, Padding::same(), 1),
                       "ConvTranspose1d: output_padding (1) must be 0 when padding is \"same\"", Error);
  CHECK_THROWS_WITH_AS(ConvSpec::make(1, 1, 3, 2, Padding::valid(), 1),
                       "ConvTranspose1d: output_padding (1) must be 0 when padding is \"valid\"", Error);
}

TEST_CASE("output_length rejects bad input lengths and empty outputs") {
  const ConvSpec spec = ConvSpec::make(1, 1, 1, 1, 1);
  CHECK_THROWS_WITH_AS(spec.output_length(0), "ConvTranspose1d: input length (0) must be >= 1", Error);
  CHECK_THROWS_WITH_AS(spec.output_length(-5), "ConvTranspose1d: input length (-5) must be >= 1", Error);
  const std::string empty = message_of([&] { spec.output_length(2); });  // 1 - 2 + 1 = 0
  CHECK(contains(empty, "ConvTranspose1d: input length (2) gives output length (0), which must be >= 1"));
  CHECK(contains(empty, "pad_left=1, pad_right=1"));
  CHECK(contains(message_of([&] { spec.output_length(1); }), "gives output length (-1)"));
  const ConvSpec wide = ConvSpec::make(1, 1, 1, 2147483647);
  CHECK(contains(message_of([&] { wide.output_length(int64_t{1} << 40); }),
                 "input length (1099511627776) gives an output length too large for int64"));
}

TEST_CASE("parse: argument-level errors point at the argument") {
  SUBCASE("unknown keyword") {
    const std::string text = "ConvTranspose1d(1, 2, 3, strides=2)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "ConvTranspose1d: unknown keyword argument 'strides' (expected one of "
                            "in_channels, out_channels, kernel_size, stride,"));
    CHECK(message ==
          "ConvTranspose1d: unknown keyword argument 'strides' (expected one of in_channels, "
          "out_channels, kernel_size, stride, padding, output_padding, dilation, groups, bias, "
          "dtype)\n"
          "  ConvTranspose1d(1, 2, 3, strides=2)\n"
          "                           ^~~~~~~");
  }
  SUBCASE("duplicate argument, positional then keyword") {
    const std::string text = "ConvTranspose1d(1, 2, 3, in_channels=4)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "duplicate argument 'in_channels' (already given positionally)"));
    check_caret(message, text, 25, 11);
  }
  SUBCASE("duplicate argument, keyword twice") {
    const std::string text = "ConvTranspose1d(1, 2, 3, stride=1, stride=2)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "duplicate argument 'stride' (already given by keyword)"));
    check_caret(message, text, 35, 6);
  }
  SUBCASE("positional after keyword") {
    const std::string text = "ConvTranspose1d(1, out_channels=2, 3)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "positional argument follows keyword argument"));
    check_caret(message, text, 35, 1);
  }
  SUBCASE("too many positional arguments") {
    const std::string text = "ConvTranspose1d(1, 2, 3, 1, 0, 0, 1, True, 1, 'zeros')";
    const std::string message = parse_error(text);
    CHECK(contains(message, "too many positional arguments: ConvTranspose1d takes at most 9 "
                            "(in_channels, out_channels, kernel_size, stride, padding, "
                            "output_padding, groups, bias, dilation)"));
    check_caret(message, text, 46, 7);
  }
  SUBCASE("missing required arguments") {
    std::string text = "ConvTranspose1d(1, 2)";
    std::string message = parse_error(text);
    CHECK(contains(message, "missing required argument 'kernel_size'"));
    check_caret(message, text, 20, 1);
    text = "ConvTranspose1d(kernel_size=3, in_channels=2)";
    CHECK(contains(parse_error(text), "missing required argument 'out_channels'"));
    text = "";
    CHECK(contains(parse_error(text), "missing required argument 'in_channels'"));
  }
  SUBCASE("non-integer values") {
    std::string text = "ConvTranspose1d(1, 2, 3.5)";
    std::string message = parse_error(text);
    CHECK(contains(message, "kernel_size must be an integer, got '3.5'"));
    check_caret(message, text, 22, 3);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, \"3\")"),
                   "kernel_size must be an integer, got the string \"3\""));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, stride=True)"),
                   "stride must be an integer, got 'True'"));
    text = "ConvTranspose1d(1, 2, kernel_size=(3, 3))";
    message = parse_error(text);
    CHECK(contains(message, "kernel_size must be an integer or a 1-tuple, got a 2-tuple"));
    check_caret(message, text, 34, 6);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, ())"),
                   "kernel_size must be an integer or a 1-tuple, got a 0-tuple"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 1e3)"), "kernel_size must be an integer, got '1e3'"));
    text = "ConvTranspose1d(1, 2, (3, x))";
    message = parse_error(text);
    CHECK(contains(message, "expected an integer inside the tuple, got 'x'"));
    check_caret(message, text, 26, 1);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, (3 4))"), "expected ',' or ')' in the tuple"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 99999999999999999999)"),
                   "integer 99999999999999999999 does not fit in 64 bits"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, -9223372036854775809)"), "does not fit in 64 bits"));
  }
  SUBCASE("padding values") {
    std::string text = "ConvTranspose1d(1, 2, 3, padding=\"full\")";
    std::string message = parse_error(text);
    CHECK(contains(message, "padding string must be \"same\" or \"valid\", got \"full\""));
    check_caret(message, text, 33, 6);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, padding=(1, 2, 3))"),
                   "padding must be an integer, a 1-tuple, a 2-tuple (left, right), \"same\" or "
                   "\"valid\", got a 3-tuple"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, padding=same)"),
                   "padding must be an integer, a 1-tuple, a 2-tuple (left, right), \"same\" or "
                   "\"valid\", got 'same'"));
  }
  SUBCASE("bias, dtype, padding_mode, device") {
    std::string text = "ConvTranspose1d(1, 2, 3, bias=1)";
    std::string message = parse_error(text);
    CHECK(contains(message, "bias must be True or False, got '1'"));
    check_caret(message, text, 30, 1);
    text = "ConvTranspose1d(1, 2, 3, dtype=torch.int32)";
    message = parse_error(text);
    CHECK(contains(message, "dtype must be float32 or float64, got 'torch.int32'"));
    check_caret(message, text, 31, 11);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, dtype=tf.float32)"),
                   "dtype must be float32 or float64, got 'tf.float32'"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, padding_mode='reflect')"),
                   "padding_mode must be \"zeros\" (the only mode ConvTranspose1d supports), got "
                   "the string \"reflect\""));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, device='cuda')"),
                   "device must be None or \"cpu\", got the string \"cuda\""));
  }
}

TEST_CASE("parse: syntax errors point at the token") {
  SUBCASE("trailing garbage") {
    const std::string text = "ConvTranspose1d(1, 2, 3) x";
    const std::string message = parse_error(text);
    CHECK(contains(message, "trailing text after the closing ')'"));
    check_caret(message, text, 25, 1);
  }
  SUBCASE("unterminated parenthesis") {
    const std::string text = "ConvTranspose1d(1, 2, 3";
    const std::string message = parse_error(text);
    CHECK(contains(message, "unterminated parenthesis: expected ')' to close the '(' at column 16"));
    check_caret(message, text, 23, 1);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3,"), "unterminated parenthesis"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, (3,"),
                   "unterminated parenthesis: expected ')' to close the '(' at column 23"));
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, [3"),
                   "unterminated parenthesis: expected ']' to close the '[' at column 23"));
  }
  SUBCASE("unterminated string") {
    const std::string text = "ConvTranspose1d(1, 2, 3, padding=\"same)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "unterminated string: expected a closing \""));
    check_caret(message, text, 33, 1);
  }
  SUBCASE("unexpected character") {
    const std::string text = "ConvTranspose1d(1; 2, 3)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "unexpected character ';'"));
    check_caret(message, text, 17, 1);
  }
  SUBCASE("missing comma") {
    const std::string text = "ConvTranspose1d(1 2, 3)";
    const std::string message = parse_error(text);
    CHECK(contains(message, "expected ',' or ')' after an argument"));
    check_caret(message, text, 18, 1);
    CHECK(contains(parse_error("1 2, 3"), "expected ',' or the end of the text after an argument"));
  }
  SUBCASE("missing value") {
    std::string text = "ConvTranspose1d(1, , 3)";
    std::string message = parse_error(text);
    CHECK(contains(message, "expected a value, got ','"));
    check_caret(message, text, 19, 1);
    CHECK(contains(parse_error("ConvTranspose1d(1, 2, 3, stride=)"), "expected a value, got ')'"));
    CHECK(contains(parse_error("1, 2, stride="), "expected a value, got the end of the text"));
  }
  SUBCASE("wrong layer name") {
    std::string text = "nn.Conv1d(1, 2, 3)";
    std::string message = parse_error(text);
    CHECK(contains(message, "expected ConvTranspose1d, got 'nn.Conv1d'"));
    check_caret(message, text, 0, 9);
    text = "ConvTranspose1d";
    message = parse_error(text);
    CHECK(contains(message, "expected '(' after ConvTranspose1d"));
    check_caret(message, text, 15, 1);
  }
  SUBCASE("newlines are shown as spaces so the caret still lines up") {
    const std::string message = parse_error("ConvTranspose1d(1,\n2, x)");
    check_caret(message, "ConvTranspose1d(1, 2, x)", 22, 1);
  }
}

TEST_CASE("parse: validation errors from make() point at the argument in the text") {
  std::string text = "ConvTranspose1d(1, 2, 3, stride=0)";
  std::string message = parse_error(text);
  CHECK(message ==
        "ConvTranspose1d: stride (0) must be >= 1\n"
        "  ConvTranspose1d(1, 2, 3, stride=0)\n"
        "                           ^~~~~~~~");
  text = "ConvTranspose1d(6, 8, 3, groups=4)";
  message = parse_error(text);
  CHECK(contains(message, "in_channels (6) must be divisible by groups (4)"));
  check_caret(message, text, 16, 1);
  text = "ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)";
  message = parse_error(text);
  CHECK(contains(message, "output_padding (2) must be smaller than max(stride, dilation) (2)"));
  check_caret(message, text, 35, 16);
  text = "ConvTranspose1d(1, 1, 3, padding='same', output_padding=1, stride=2)";
  message = parse_error(text);
  CHECK(contains(message, "output_padding (1) must be 0 when padding is \"same\""));
  check_caret(message, text, 41, 16);
  text = "ConvTranspose1d(1, 1, 3, padding=(1, -2))";
  message = parse_error(text);
  CHECK(contains(message, "padding (1, -2) must be >= 0 on both sides"));
  check_caret(message, text, 25, 15);
  CHECK(contains(parse_error("ConvTranspose1d(1, 1, 3, padding=-1)"), "padding (-1) must be >= 0"));
  CHECK(contains(parse_error("ConvTranspose1d(1, 1, 0)"), "kernel_size (0) must be >= 1"));
  CHECK(contains(parse_error("ConvTranspose1d(-1, 1, 1)"), "in_channels (-1) must be >= 1"));
  CHECK(contains(parse_error("ConvTranspose1d(1, 0, 1)"), "out_channels (0) must be >= 1"));
  CHECK(contains(parse_error("ConvTranspose1d(1, 1, 1, dilation=0)"), "dilation (0) must be >= 1"));
  CHECK(contains(parse_error("ConvTranspose1d(1, 1, 1, groups=0)"), "groups (0) must be >= 1"));
  CHECK(contains(parse_error("ConvTranspose1d(4, 6, 1, groups=4)"), "out_channels (6) must be divisible by groups (4)"));
  CHECK(contains(parse_error("ConvTranspose1d(1, 1, 1, output_padding=-1)"), "output_padding (-1) must be >= 0"));
}
