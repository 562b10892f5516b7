// ConvSpec::parse: the Python/PyTorch spelling of a ConvTranspose1d layer, e.g.
//   nn.ConvTranspose1d(4, 2, kernel_size=(3,), stride=2, padding="same", bias=False)
// Positional arguments follow PyTorch's order (..., output_padding, groups, bias, dilation).
// Every error quotes the text with a caret under the offending token.
#include <fmt/format.h>

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/error.h"

namespace lucid {

namespace {

enum class TokenKind { Name, Integer, BadNumber, String, LParen, RParen, LBracket, RBracket, Comma, Equals, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text;  // the source characters (a String's includes its quotes)
  size_t pos = 0;
  std::string value;  // a String's contents
};

// PyTorch's positional order; dtype, padding_mode and device are keyword-only here.
constexpr std::array<std::string_view, 9> kPositional = {
    "in_channels", "out_channels", "kernel_size", "stride", "padding",
    "output_padding", "groups", "bias", "dilation"};
constexpr std::array<std::string_view, 12> kKeywords = {
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding",
    "groups", "bias", "dilation", "dtype", "padding_mode", "device"};
constexpr std::string_view kKeywordList =
    "in_channels, out_channels, kernel_size, stride, padding, output_padding, dilation, "
    "groups, bias, dtype";

// A parsed argument value, before it is checked against the argument it is given for.
struct Value {
  enum class Kind { Integer, Tuple, String, Name, BadNumber };
  Kind kind = Kind::Integer;
  std::vector<int64_t> integers;  // Integer: one; Tuple: its elements
  std::string text;               // String contents or Name (dotted identifier)
  size_t begin = 0, end = 0;      // source span
};

struct Argument {
  Value value;
  size_t begin = 0, end = 0;  // whole `name=value` or positional value
  bool by_keyword = false;
};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ConvSpec parse() {
    tokenize();
    const bool called = tokens_.size() >= 2 && tokens_[0].kind == TokenKind::Name &&
                        tokens_[1].kind == TokenKind::LParen;
    size_t open_pos = 0;
    if (called) {
      const std::string_view name = tokens_[0].text;
      const size_t dot = name.rfind('.');
      const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
      if (last != "ConvTranspose1d")
        error(tokens_[0], fmt::format("expected ConvTranspose1d, got '{}'", name));
      open_pos = tokens_[1].pos;
      next_ = 2;
    } else if (!tokens_.empty() && tokens_[0].kind == TokenKind::Name &&
               tokens_[0].text.ends_with("ConvTranspose1d")) {
      error(tokens_[1], fmt::format("expected '(' after {}", tokens_[0].text));
    }
    const TokenKind closer = called ? TokenKind::RParen : TokenKind::End;

    size_t positional = 0;
    bool seen_keyword = false;
    while (peek().kind != closer) {
      const Token& first = peek();
      if (first.kind == TokenKind::End)
        error(first, fmt::format("unterminated parenthesis: expected ')' to close the '(' at "
                                 "column {}",
                                 open_pos + 1));
      if (first.kind == TokenKind::Name && peek(1).kind == TokenKind::Equals) {
        const Token& name = take();
        take();  // '='
        const std::string key(name.text);
        if (!is_keyword(key))
          error(name, fmt::format("unknown keyword argument '{}' (expected one of {})", key,
                                  kKeywordList));
        if (auto it = find(key)) {
          error(name, fmt::format("duplicate argument '{}' (already given {})", key,
                                  it->by_keyword ? "by keyword" : "positionally"));
        }
        Argument argument{parse_value(), name.pos, 0, true};
        argument.end = argument.value.end;
        arguments_.emplace_back(key, argument);
        seen_keyword = true;
      } else {
        if (seen_keyword) error(first, "positional argument follows keyword argument");
        if (positional >= kPositional.size())
          error(first, fmt::format("too many positional arguments: ConvTranspose1d takes at most "
                                   "{} ({})",
                                   kPositional.size(), join_positional()));
        Argument argument{parse_value(), first.pos, 0, false};
        argument.end = argument.value.end;
        arguments_.emplace_back(std::string(kPositional[positional]), argument);
        ++positional;
      }
      const Token& after = peek();
      if (after.kind == TokenKind::Comma) {
        take();
      } else if (after.kind != closer) {
        if (after.kind == TokenKind::End)
          error(after, fmt::format("unterminated parenthesis: expected ')' to close the '(' at "
                                   "column {}",
                                   open_pos + 1));
        error(after, called ? "expected ',' or ')' after an argument"
                            : "expected ',' or the end of the text after an argument");
      }
    }
    const Token& close = take();  // ')' or End
    if (called && peek().kind != TokenKind::End)
      error(peek(), "trailing text after the closing ')'");
    return build(close);
  }

 private:
  // ---- errors -------------------------------------------------------------------------

  [[noreturn]] void error_at(size_t pos, size_t length, const std::string& what) const {
    // Tabs and newlines are shown as spaces so the caret column lines up with the text.
    std::string shown(text_);
    for (char& c : shown)
      if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    std::string caret(pos, ' ');
    caret += '^';
    if (length > 1) caret += std::string(length - 1, '~');
    throw Error(fmt::format("ConvTranspose1d: {}\n  {}\n  {}", what, shown, caret));
  }
  [[noreturn]] void error(const Token& token, const std::string& what) const {
    error_at(token.pos, token.kind == TokenKind::End ? 1 : token.text.size(), what);
  }
  [[noreturn]] void error(const Value& value, const std::string& what) const {
    error_at(value.begin, value.end - value.begin, what);
  }

  // ---- tokens -------------------------------------------------------------------------

  void tokenize() {
    size_t i = 0;
    auto push = [&](TokenKind kind, size_t begin, size_t end, std::string value = {}) {
      tokens_.push_back(Token{kind, text_.substr(begin, end - begin), begin, std::move(value)});
    };
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (is_name_start(c)) {
        // Dotted names: nn.ConvTranspose1d, torch.float32.
        size_t j = i;
        while (j < text_.size() && (is_name_char(text_[j]) ||
                                    (text_[j] == '.' && j + 1 < text_.size() &&
                                     is_name_start(text_[j + 1]))))
          ++j;
        push(TokenKind::Name, i, j);
        i = j;
      } else if (is_digit(c) || ((c == '-' || c == '+') && i + 1 < text_.size() &&
                                 is_digit(text_[i + 1]))) {
        size_t j = i + 1;
        while (j < text_.size() && is_digit(text_[j])) ++j;
        // 3.0, 1e3, 0x10: not an integer, but reported as one bad token.
        bool bad = false;
        while (j < text_.size() && (is_name_char(text_[j]) || text_[j] == '.')) {
          bad = true;
          ++j;
        }
        push(bad ? TokenKind::BadNumber : TokenKind::Integer, i, j);
        i = j;
      } else if (c == '"' || c == '\'') {
        const size_t close = text_.find(c, i + 1);
        if (close == std::string_view::npos)
          error_at(i, 1, fmt::format("unterminated string: expected a closing {}", c));
        push(TokenKind::String, i, close + 1, std::string(text_.substr(i + 1, close - i - 1)));
        i = close + 1;
      } else {
        TokenKind kind;
        switch (c) {
          case '(': kind = TokenKind::LParen; break;
          case ')': kind = TokenKind::RParen; break;
          case '[': kind = TokenKind::LBracket; break;
          case ']': kind = TokenKind::RBracket; break;
          case ',': kind = TokenKind::Comma; break;
          case '=': kind = TokenKind::Equals; break;
          default: error_at(i, 1, fmt::format("unexpected character '{}'", c));
        }
        push(kind, i, i + 1);
        ++i;
      }
    }
    tokens_.push_back(Token{TokenKind::End, text_.substr(text_.size()), text_.size(), {}});
  }

  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& take() {
    const Token& token = peek();
    if (next_ < tokens_.size() - 1) ++next_;
    return token;
  }

  int64_t to_integer(const Token& token) const {
    std::string_view digits = token.text;
    const bool negative = digits[0] == '-';
    if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
    // Accumulated negatively so INT64_MIN parses; overflow is an error, not a wrap.
    int64_t value = 0;
    for (char d : digits) {
      if (value < (std::numeric_limits<int64_t>::min() + (d - '0')) / 10)
        error(token, fmt::format("integer {} does not fit in 64 bits", token.text));
      value = value * 10 - (d - '0');
    }
    if (!negative) {
      if (value == std::numeric_limits<int64_t>::min())
        error(token, fmt::format("integer {} does not fit in 64 bits", token.text));
      value = -value;
    }
    return value;
  }

  // value := integer | string | name | '(' [integer {',' integer} [',']] ')' | '[' ... ']'
  Value parse_value() {
    const Token& token = take();
    Value value;
    value.begin = token.pos;
    value.end = token.pos + token.text.size();
    value.text = std::string(token.text);
    switch (token.kind) {
      case TokenKind::Integer:
        value.kind = Value::Kind::Integer;
        value.integers.push_back(to_integer(token));
        return value;
      case TokenKind::BadNumber:
        value.kind = Value::Kind::BadNumber;
        return value;
      case TokenKind::String:
        value.kind = Value::Kind::String;
        value.text = token.value;
        return value;
      case TokenKind::Name:
        value.kind = Value::Kind::Name;
        return value;
      case TokenKind::LParen:
      case TokenKind::LBracket: {
        const TokenKind close =
            token.kind == TokenKind::LParen ? TokenKind::RParen : TokenKind::RBracket;
        const char close_char = close == TokenKind::RParen ? ')' : ']';
        value.kind = Value::Kind::Tuple;
        bool single_without_comma = false;
        while (peek().kind != close) {
          const Token& element = peek();
          if (element.kind == TokenKind::End)
            error(element, fmt::format("unterminated parenthesis: expected '{}' to close the "
                                       "'{}' at column {}",
                                       close_char, token.text, token.pos + 1));
          if (element.kind != TokenKind::Integer)
            error(element, fmt::format("expected an integer inside the tuple, got '{}'",
                                       element.text));
          value.integers.push_back(to_integer(take()));
          if (peek().kind == TokenKind::Comma) {
            take();
          } else if (peek().kind != close) {
            if (peek().kind == TokenKind::End)
              error(peek(), fmt::format("unterminated parenthesis: expected '{}' to close the "
                                        "'{}' at column {}",
                                        close_char, token.text, token.pos + 1));
            error(peek(), fmt::format("expected ',' or '{}' in the tuple", close_char));
          } else if (value.integers.size() == 1) {
            single_without_comma = true;
          }
        }
        const Token& end = take();
        value.end = end.pos + 1;
        // In Python `(3)` is just the integer 3, not a tuple.
        if (single_without_comma && close == TokenKind::RParen) value.kind = Value::Kind::Integer;
        return value;
      }
      case TokenKind::End:
        error(token, "expected a value, got the end of the text");
      default:
        error(token, fmt::format("expected a value, got '{}'", token.text));
    }
  }

  // ---- arguments ----------------------------------------------------------------------

  static bool is_keyword(const std::string& name) {
    for (auto k : kKeywords)
      if (k == name) return true;
    return false;
  }
  static std::string join_positional() {
    std::string s;
    for (auto k : kPositional) s += (s.empty() ? "" : ", ") + std::string(k);
    return s;
  }
  const Argument* find(const std::string& name) const {
    for (const auto& [key, argument] : arguments_)
      if (key == name) return &argument;
    return nullptr;
  }

  static std::string describe(const Value& value) {
    switch (value.kind) {
      case Value::Kind::Tuple: return fmt::format("a {}-tuple", value.integers.size());
      case Value::Kind::String: return fmt::format("the string \"{}\"", value.text);
      default: return fmt::format("'{}'", value.text);
    }
  }

  // An int argument: an integer or a 1-tuple (ConvTranspose1d has one spatial dimension).
  int64_t integer_argument(const char* name, int64_t fallback) const {
    const Argument* argument = find(name);
    if (!argument) return fallback;
    const Value& value = argument->value;
    if (value.kind == Value::Kind::Integer) return value.integers[0];
    if (value.kind == Value::Kind::Tuple && value.integers.size() == 1) return value.integers[0];
    if (value.kind == Value::Kind::Tuple)
      error(value, fmt::format("{} must be an integer or a 1-tuple, got {}", name,
                               describe(value)));
    error(value, fmt::format("{} must be an integer, got {}", name, describe(value)));
  }

  Padding padding_argument() const {
    const Argument* argument = find("padding");
    if (!argument) return Padding(0);
    const Value& value = argument->value;
    switch (value.kind) {
      case Value::Kind::Integer:
        return Padding(value.integers[0]);
      case Value::Kind::Tuple:
        if (value.integers.size() == 1) return Padding(value.integers[0]);
        if (value.integers.size() == 2) return Padding(value.integers[0], value.integers[1]);
        error(value, fmt::format("padding must be an integer, a 1-tuple, a 2-tuple (left, right),"
                                 " \"same\" or \"valid\", got {}",
                                 describe(value)));
      case Value::Kind::String:
        if (value.text == "same") return Padding::same();
        if (value.text == "valid") return Padding::valid();
        error(value, fmt::format("padding string must be \"same\" or \"valid\", got \"{}\"",
                                 value.text));
      default:
        error(value, fmt::format("padding must be an integer, a 1-tuple, a 2-tuple (left, right),"
                                 " \"same\" or \"valid\", got {}",
                                 describe(value)));
    }
  }

  bool bias_argument() const {
    const Argument* argument = find("bias");
    if (!argument) return true;
    const Value& value = argument->value;
    if (value.kind == Value::Kind::Name && (value.text == "True" || value.text == "true"))
      return true;
    if (value.kind == Value::Kind::Name && (value.text == "False" || value.text == "false"))
      return false;
    error(value, fmt::format("bias must be True or False, got {}", describe(value)));
  }

  DType dtype_argument() const {
    const Argument* argument = find("dtype");
    if (!argument) return DType::Float32;
    const Value& value = argument->value;
    if (value.kind == Value::Kind::Name || value.kind == Value::Kind::String) {
      // torch.float32, lucid.float64, np.float32, "float64": only the last part matters.
      std::string_view name = value.text;
      const size_t dot = name.rfind('.');
      const std::string_view prefix = dot == std::string_view::npos ? "" : name.substr(0, dot);
      if (dot != std::string_view::npos) name = name.substr(dot + 1);
      const bool known_prefix = prefix.empty() || prefix == "torch" || prefix == "lucid" ||
                                prefix == "np" || prefix == "numpy";
      if (known_prefix && (name == "float32" || name == "float")) return DType::Float32;
      if (known_prefix && (name == "float64" || name == "double")) return DType::Float64;
    }
    error(value, fmt::format("dtype must be float32 or float64, got {}", describe(value)));
  }

  // padding_mode and device are accepted so PyTorch code can be pasted; only their
  // defaults mean anything to a CPU kernel generator with zero padding.
  void check_pytorch_only_arguments() const {
    if (const Argument* argument = find("padding_mode")) {
      const Value& value = argument->value;
      if (value.kind != Value::Kind::String || value.text != "zeros")
        error(value, fmt::format("padding_mode must be \"zeros\" (the only mode ConvTranspose1d"
                                 " supports), got {}",
                                 describe(value)));
    }
    if (const Argument* argument = find("device")) {
      const Value& value = argument->value;
      const bool ok = (value.kind == Value::Kind::Name && value.text == "None") ||
                      (value.kind == Value::Kind::String && value.text == "cpu");
      if (!ok) error(value, fmt::format("device must be None or \"cpu\", got {}", describe(value)));
    }
  }

  ConvSpec build(const Token& close) const {
    for (const char* required : {"in_channels", "out_channels", "kernel_size"})
      if (!find(required))
        error(close, fmt::format("missing required argument '{}'", required));
    const int64_t in_channels = integer_argument("in_channels", 1);
    const int64_t out_channels = integer_argument("out_channels", 1);
    const int64_t kernel_size = integer_argument("kernel_size", 1);
    const int64_t stride = integer_argument("stride", 1);
    const Padding padding = padding_argument();
    const int64_t output_padding = integer_argument("output_padding", 0);
    const int64_t dilation = integer_argument("dilation", 1);
    const int64_t groups = integer_argument("groups", 1);
    const bool bias = bias_argument();
    const DType dtype = dtype_argument();
    check_pytorch_only_arguments();
    try {
      return ConvSpec::make(in_channels, out_channels, kernel_size, stride, padding,
                            output_padding, dilation, groups, bias, dtype);
    } catch (const Error& e) {
      // make() names the argument first ("ConvTranspose1d: stride (0) must be >= 1");
      // point the caret at that argument in the text when the user gave it.
      std::string_view message = e.what();
      constexpr std::string_view prefix = "ConvTranspose1d: ";
      if (message.substr(0, prefix.size()) == prefix) message.remove_prefix(prefix.size());
      const std::string name(message.substr(0, message.find(' ')));
      if (const Argument* argument = find(name))
        error_at(argument->begin, argument->end - argument->begin, std::string(message));
      error_at(close.pos, 1, std::string(message));
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  std::vector<std::pair<std::string, Argument>> arguments_;
};

}  // namespace

ConvSpec ConvSpec::parse(std::string_view text) { return Parser(text).parse(); }

}  // namespace lucid
