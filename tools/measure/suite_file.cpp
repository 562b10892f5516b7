// Reads ../shared/suite.json into SuiteConfigs, validating each layer with ConvSpec::make so
// a bad entry fails with the same message a user would get from the layer itself.
#include "suite_file.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "json_value.h"
#include "lucid/error.h"

#ifndef LUCID_DEFAULT_SUITE
#define LUCID_DEFAULT_SUITE "../shared/suite.json"
#endif

namespace lucid::bench {

namespace {

int64_t integer(const json::Value& entry, const char* key, int64_t fallback, bool required) {
  const json::Value* v = entry.find(key);
  if (v == nullptr) {
    if (required) throw Error(fmt::format("missing \"{}\"", key));
    return fallback;
  }
  return v->as_integer();
}

Padding padding_of(const json::Value& entry) {
  const json::Value* v = entry.find("padding");
  if (v == nullptr) return Padding(0);
  if (v->is_number()) return Padding(v->as_integer());
  if (v->is_array() && v->items().size() == 1) return Padding(v->items()[0].as_integer());
  if (v->is_array() && v->items().size() == 2)
    return Padding(v->items()[0].as_integer(), v->items()[1].as_integer());
  if (v->is_string() && v->as_string() == "same") return Padding::same();
  if (v->is_string() && v->as_string() == "valid") return Padding::valid();
  throw Error("\"padding\" must be an int, [left, right], \"same\" or \"valid\"");
}

DType dtype_of(const json::Value& entry) {
  const json::Value* v = entry.find("dtype");
  if (v == nullptr) return DType::Float32;
  const std::string& name = v->as_string();
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  throw Error(fmt::format("\"dtype\" must be \"float32\" or \"float64\", not \"{}\"", name));
}

SuiteConfig config_of(const json::Value& entry) {
  if (!entry.is_object()) throw Error("not an object");
  SuiteConfig c;
  const json::Value* name = entry.find("name");
  if (name == nullptr) throw Error("missing \"name\"");
  c.name = name->as_string();
  const json::Value* bias = entry.find("bias");
  c.spec = ConvSpec::make(integer(entry, "in_channels", 0, true),
                          integer(entry, "out_channels", 0, true),
                          integer(entry, "kernel", 0, true), integer(entry, "stride", 1, false),
                          padding_of(entry), integer(entry, "output_padding", 0, false),
                          integer(entry, "dilation", 1, false), integer(entry, "groups", 1, false),
                          bias == nullptr || bias->as_bool(), dtype_of(entry));
  c.batch = integer(entry, "batch", 1, false);
  c.length = integer(entry, "length", 0, true);
  if (c.batch < 1 || c.length < 1) throw Error("batch and length must be >= 1");
  c.spec.output_length(c.length);  // throws when the output would be empty
  return c;
}

}  // namespace

std::vector<SuiteConfig> load_suite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read suite file {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<SuiteConfig> configs;
  try {
    const json::Value doc = json::Value::parse(text.str());
    if (!doc.is_array()) throw Error("the suite must be a JSON array of layers");
    for (std::size_t i = 0; i < doc.items().size(); ++i) {
      try {
        configs.push_back(config_of(doc.items()[i]));
      } catch (const Error& e) {
        throw Error(fmt::format("entry {}: {}", i, e.what()));
      }
    }
  } catch (const Error& e) {
    throw Error(fmt::format("suite file {}: {}", path, e.what()));
  }
  return configs;
}

std::string default_suite_path() {
  const char* env = std::getenv("LUCID_SUITE");
  if (env != nullptr && *env != '\0') return env;
  return LUCID_DEFAULT_SUITE;
}

}  // namespace lucid::bench
