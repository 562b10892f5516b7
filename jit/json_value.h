// json::Value: the small JSON document model behind the tuning database and the benchmark
// suite file. It reads and writes standard JSON (RFC 8259) without any dependency; numbers
// are doubles, objects keep their members in insertion order so written files read well.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lucid::json {

class Value {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Value() = default;  // null
  Value(bool b) : kind_(Kind::Bool), bool_(b) {}  // NOLINT: literal-like
  Value(double n) : kind_(Kind::Number), number_(n) {}  // NOLINT
  Value(int n) : kind_(Kind::Number), number_(n) {}  // NOLINT
  Value(long n) : kind_(Kind::Number), number_(static_cast<double>(n)) {}  // NOLINT
  Value(long long n) : kind_(Kind::Number), number_(static_cast<double>(n)) {}  // NOLINT
  Value(std::string s) : kind_(Kind::String), string_(std::move(s)) {}  // NOLINT
  Value(const char* s) : kind_(Kind::String), string_(s) {}  // NOLINT
  static Value array() { Value v; v.kind_ = Kind::Array; return v; }
  static Value object() { Value v; v.kind_ = Kind::Object; return v; }

  // Parses one JSON document; throws lucid::Error naming the byte offset and what was expected.
  static Value parse(std::string_view text);
  // Writes the document; indent > 0 pretty-prints with that many spaces per level.
  std::string dump(int indent = 2) const;

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }

  // Typed reads; each throws lucid::Error when the value has another kind.
  bool as_bool() const;
  double as_number() const;
  // The number as an integer; throws unless it is integral.
  long long as_integer() const;
  const std::string& as_string() const;

  // Array elements (empty for other kinds).
  const std::vector<Value>& items() const { return items_; }
  void push_back(Value v) { items_.push_back(std::move(v)); }

  // Object members in insertion order (empty for other kinds).
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<Value>& values() const { return items_; }
  // The member named key, or nullptr when absent (or this is not an object).
  const Value* find(std::string_view key) const;
  // Adds or replaces member key.
  void set(const std::string& key, Value v);

 private:
  void dump_to(std::string& out, int indent, int depth) const;

  Kind kind_ = Kind::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<std::string> keys_;  // object member names, parallel to items_
  std::vector<Value> items_;       // array elements or object member values
};

}  // namespace lucid::json
