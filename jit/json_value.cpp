// json::Value: a recursive-descent reader and a writer for the small JSON files lucid keeps
// (tuning database, benchmark suite). Errors name the byte offset so a hand-edited file is
// easy to fix.
#include "json_value.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "lucid/error.h"

namespace lucid::json {

namespace {

// Deep enough for any file we write; shallow enough that hostile input cannot overflow the stack.
constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (pos_ != text_.size()) fail("end of document");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* expected) const {
    throw Error(fmt::format("JSON: expected {} at byte {}", expected, pos_));
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value value(int depth) {
    if (depth > kMaxDepth) fail("less nesting");
    skip_space();
    if (pos_ >= text_.size()) fail("a value");
    const char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Value(string());
    if (consume_word("true")) return Value(true);
    if (consume_word("false")) return Value(false);
    if (consume_word("null")) return Value();
    return Value(number());
  }

  Value object(int depth) {
    ++pos_;  // '{'
    Value v = Value::object();
    if (consume('}')) return v;
    do {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("a member name in quotes");
      std::string key = string();
      if (!consume(':')) fail("':'");
      v.set(key, value(depth + 1));
    } while (consume(','));
    if (!consume('}')) fail("',' or '}'");
    return v;
  }

  Value array(int depth) {
    ++pos_;  // '['
    Value v = Value::array();
    if (consume(']')) return v;
    do {
      v.push_back(value(depth + 1));
    } while (consume(','));
    if (!consume(']')) fail("',' or ']'");
    return v;
  }

  double number() {
    // JSON's grammar is a subset of what from_chars accepts, except that from_chars takes
    // neither a leading '+' nor "inf"/"nan" spelled out: both are rejected here as in JSON.
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    double out = 0;
    auto [ptr, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || ptr == begin || !std::isfinite(out)) fail("a value");
    pos_ += static_cast<std::size_t>(ptr - begin);
    return out;
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) fail("4 hex digits");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
      else fail("a hex digit");
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("a closing '\"'");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("no control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("an escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00) {  // high surrogate: a low one must follow
            if (!consume_word("\\u")) fail("a low surrogate");
            const unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("a low surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("a high surrogate before a low one");
          }
          append_utf8(out, code);
          break;
        }
        default: fail("a valid escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out += c;
    }
  }
  out += '"';
}

void newline(std::string& out, int indent, int depth) {
  if (indent <= 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return "a boolean";
    case Value::Kind::Number: return "a number";
    case Value::Kind::String: return "a string";
    case Value::Kind::Array: return "an array";
    case Value::Kind::Object: return "an object";
  }
  return "?";
}

[[noreturn]] void wrong_kind(const char* wanted, Value::Kind got) {
  throw Error(fmt::format("JSON: expected {}, found {}", wanted, kind_name(got)));
}

}  // namespace

Value Value::parse(std::string_view text) { return Reader(text).document(); }

std::string Value::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  if (indent > 0) out += '\n';
  return out;
}

void Value::dump_to(std::string& out, int indent, int depth) const {
  switch (kind_) {
    case Kind::Null: out += "null"; break;
    case Kind::Bool: out += bool_ ? "true" : "false"; break;
    case Kind::Number: out += fmt::format("{}", number_); break;  // shortest exact form
    case Kind::String: dump_string(out, string_); break;
    case Kind::Array:
    case Kind::Object: {
      const bool is_obj = kind_ == Kind::Object;
      out += is_obj ? '{' : '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ',';
        newline(out, indent, depth + 1);
        if (is_obj) {
          dump_string(out, keys_[i]);
          out += indent > 0 ? ": " : ":";
        }
        items_[i].dump_to(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(out, indent, depth);
      out += is_obj ? '}' : ']';
      break;
    }
  }
}

bool Value::as_bool() const {
  if (kind_ != Kind::Bool) wrong_kind("a boolean", kind_);
  return bool_;
}

double Value::as_number() const {
  if (kind_ != Kind::Number) wrong_kind("a number", kind_);
  return number_;
}

long long Value::as_integer() const {
  const double n = as_number();
  if (n != std::floor(n) || std::fabs(n) > 9.0e15)
    throw Error(fmt::format("JSON: expected an integer, found {}", n));
  return static_cast<long long>(n);
}

const std::string& Value::as_string() const {
  if (kind_ != Kind::String) wrong_kind("a string", kind_);
  return string_;
}

const Value* Value::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

void Value::set(const std::string& key, Value v) {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) {
      items_[i] = std::move(v);
      return;
    }
  keys_.push_back(key);
  items_.push_back(std::move(v));
}

}  // namespace lucid::json
