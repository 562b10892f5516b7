// Reads ../shared/suite.json into SuiteConfigs, validating each layer with ConvSpec::make so
// a bad entry fails with the same message a user would get from the layer itself.
#include "suite_file.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lucid/error.h"

#ifndef LUCID_DEFAULT_SUITE
#define LUCID_DEFAULT_SUITE "../shared/suite.json"
#endif

namespace lucid::bench {

namespace {

namespace json = llvm::json;

int64_t integer_of(const json::Value& v, const char* key) {
  std::optional<int64_t> i = v.getAsInteger();
  if (!i) throw Error(fmt::format("\"{}\" must be an integer", key));
  return *i;
}

int64_t integer(const json::Object& entry, const char* key, int64_t fallback, bool required) {
  const json::Value* v = entry.get(key);
  if (v == nullptr) {
    if (required) throw Error(fmt::format("missing \"{}\"", key));
    return fallback;
  }
  return integer_of(*v, key);
}

Padding padding_of(const json::Object& entry) {
  const json::Value* v = entry.get("padding");
  if (v == nullptr) return Padding(0);
  if (v->getAsInteger()) return Padding(*v->getAsInteger());
  const json::Array* pair = v->getAsArray();
  if (pair != nullptr && pair->size() == 1) return Padding(integer_of((*pair)[0], "padding"));
  if (pair != nullptr && pair->size() == 2)
    return Padding(integer_of((*pair)[0], "padding"), integer_of((*pair)[1], "padding"));
  if (v->getAsString() == "same") return Padding::same();
  if (v->getAsString() == "valid") return Padding::valid();
  throw Error("\"padding\" must be an int, [left, right], \"same\" or \"valid\"");
}

DType dtype_of(const json::Object& entry) {
  const json::Value* v = entry.get("dtype");
  if (v == nullptr) return DType::Float32;
  std::optional<llvm::StringRef> name = v->getAsString();
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  if (!name) throw Error("\"dtype\" must be a string");
  throw Error(fmt::format("\"dtype\" must be \"float32\" or \"float64\", not \"{}\"", name->str()));
}

SuiteConfig config_of(const json::Value& value) {
  const json::Object* entry = value.getAsObject();
  if (entry == nullptr) throw Error("not an object");
  SuiteConfig c;
  std::optional<llvm::StringRef> name = entry->getString("name");
  if (!name) throw Error(entry->get("name") ? "\"name\" must be a string" : "missing \"name\"");
  c.name = name->str();
  const json::Value* bias = entry->get("bias");
  if (bias != nullptr && !bias->getAsBoolean()) throw Error("\"bias\" must be true or false");
  c.spec = ConvSpec::make(integer(*entry, "in_channels", 0, true),
                          integer(*entry, "out_channels", 0, true),
                          integer(*entry, "kernel", 0, true), integer(*entry, "stride", 1, false),
                          padding_of(*entry), integer(*entry, "output_padding", 0, false),
                          integer(*entry, "dilation", 1, false), integer(*entry, "groups", 1, false),
                          bias == nullptr || *bias->getAsBoolean(), dtype_of(*entry));
  c.batch = integer(*entry, "batch", 1, false);
  c.length = integer(*entry, "length", 0, true);
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
  llvm::Expected<json::Value> doc = json::parse(text.str());
  // llvm::json's message carries the line, column and byte: "[3:17, byte=45]: Expected ,".
  if (!doc) throw Error(fmt::format("suite file {}: JSON {}", path, llvm::toString(doc.takeError())));
  std::vector<SuiteConfig> configs;
  try {
    const json::Array* layers = doc->getAsArray();
    if (layers == nullptr) throw Error("the suite must be a JSON array of layers");
    for (std::size_t i = 0; i < layers->size(); ++i) {
      try {
        configs.push_back(config_of((*layers)[i]));
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
