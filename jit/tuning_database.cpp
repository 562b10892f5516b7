// TuningDatabase: reading, merging and atomically writing the tuning database file.
//
// File layout (format version 1):
//   {"format": "lucid-tuning-db", "version": 1, "llvm_version": "19.1.7",
//    "library_version": "0.1.0",
//    "entries": [{"spec": "ct1d.f32...", "cpu": "znver3", "schedule": "v8.f4x2x1.d4x2.w2x2x3",
//                 "gflops": 81.5, "default_gflops": 60.2, "threads": 1,
//                 "llvm_version": "19.1.7", "library_version": "0.1.0"}, ...]}
// The whole file is trusted or none of it: one malformed entry makes it "corrupt", because a
// half-read file usually means a half-written or hand-broken one.
#include "lucid/tuning_database.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lucid/error.h"
#include "lucid/version.h"

#ifndef LUCID_LLVM_VERSION
#define LUCID_LLVM_VERSION "unknown"
#endif

namespace lucid {

namespace {

namespace json = llvm::json;

constexpr const char* kFormatName = "lucid-tuning-db";

const json::Value& member(const json::Object& object, const char* key) {
  const json::Value* v = object.get(key);
  if (v == nullptr) throw Error(fmt::format("missing \"{}\"", key));
  return *v;
}

std::string string_member(const json::Object& object, const char* key) {
  std::optional<llvm::StringRef> s = member(object, key).getAsString();
  if (!s) throw Error(fmt::format("\"{}\" is not a string", key));
  return s->str();
}

double number_member(const json::Object& object, const char* key) {
  std::optional<double> n = member(object, key).getAsNumber();
  if (!n) throw Error(fmt::format("\"{}\" is not a number", key));
  // 1e400 parses as Inf, which save() cannot write back as JSON (found by fuzz_tuning_database).
  if (!std::isfinite(*n)) throw Error(fmt::format("\"{}\" is not a finite number", key));
  return *n;
}

std::string optional_string(const json::Object& object, const char* key) {
  return object.get(key) != nullptr ? string_member(object, key) : std::string();
}

double optional_number(const json::Object& object, const char* key, double fallback) {
  return object.get(key) != nullptr ? number_member(object, key) : fallback;
}

TuningEntry entry_from_json(const json::Value& value) {
  const json::Object* e = value.getAsObject();
  if (e == nullptr) throw Error("an entry is not an object");
  TuningEntry entry;
  entry.spec_key = string_member(*e, "spec");
  entry.cpu_name = string_member(*e, "cpu");
  entry.schedule = Schedule::parse_key(string_member(*e, "schedule"));
  entry.gflops = number_member(*e, "gflops");
  entry.default_gflops = optional_number(*e, "default_gflops", 0);
  // Range-checked before the conversion: a double outside int's range (1e300) converting to
  // int is undefined behaviour (found by fuzz_tuning_database).
  const double threads = optional_number(*e, "threads", 1);
  if (!(threads >= 1 && threads <= 1024) || threads != std::floor(threads))
    throw Error(fmt::format("an entry's \"threads\" ({}) is not an integer in 1..1024", threads));
  entry.threads = static_cast<int>(threads);
  entry.llvm_version = optional_string(*e, "llvm_version");
  entry.library_version = optional_string(*e, "library_version");
  if (entry.spec_key.empty() || entry.cpu_name.empty()) throw Error("an entry has an empty key");
  return entry;
}

// Written member by member (json::OStream), not as a json::Object, so the file keeps this
// order instead of json::Object's sorted keys and reads well by hand.
void write_entry(json::OStream& out, const TuningEntry& entry) {
  out.object([&] {
    out.attribute("spec", entry.spec_key);
    out.attribute("cpu", entry.cpu_name);
    out.attribute("schedule", entry.schedule.key());
    out.attribute("gflops", entry.gflops);
    out.attribute("default_gflops", entry.default_gflops);
    out.attribute("threads", entry.threads);
    out.attribute("llvm_version", entry.llvm_version);
    out.attribute("library_version", entry.library_version);
  });
}

}  // namespace

std::string TuningDatabase::llvm_version() { return LUCID_LLVM_VERSION; }
std::string TuningDatabase::library_version() { return LUCID_VERSION_STRING; }

TuningDatabase TuningDatabase::load(const std::string& path, std::string* warning) {
  TuningDatabase db;
  auto warn = [&](const std::string& why) {
    if (warning != nullptr)
      *warning = fmt::format("lucid: ignoring tuning database {}: {}", path, why);
    return TuningDatabase();
  };
  if (warning != nullptr) warning->clear();

  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) return db;
  if (ec) return warn(ec.message());
  if (!std::filesystem::is_regular_file(status)) return warn("not a regular file");

  std::ifstream in(path, std::ios::binary);
  if (!in) return warn(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return warn("read error");

  llvm::Expected<json::Value> parsed = json::parse(text.str());
  // llvm::json's message carries the line, column and byte: "[3:17, byte=45]: Expected ,".
  if (!parsed) return warn(fmt::format("corrupt (JSON {})", llvm::toString(parsed.takeError())));
  try {
    const json::Object* doc = parsed->getAsObject();
    if (doc == nullptr) return warn("not a JSON object");
    std::optional<llvm::StringRef> format = doc->getString("format");
    if (!format || *format != kFormatName)
      return warn(fmt::format("not a lucid tuning database (\"format\" is not \"{}\")", kFormatName));
    std::optional<int64_t> version = member(*doc, "version").getAsInteger();
    if (!version) throw Error("\"version\" is not an integer");
    if (*version != kFormatVersion)
      return warn(fmt::format("format version {}, this build reads version {}", *version,
                              kFormatVersion));
    const json::Array* entries = member(*doc, "entries").getAsArray();
    if (entries == nullptr) return warn("\"entries\" is not an array");
    for (std::size_t i = 0; i < entries->size(); ++i) {
      try {
        db.put(entry_from_json((*entries)[i]));
      } catch (const std::exception& e) {
        throw Error(fmt::format("entry {}: {}", i, e.what()));
      }
    }
  } catch (const std::exception& e) {  // lucid::Error, or a knob parse error
    return warn(fmt::format("corrupt ({})", e.what()));
  }
  return db;
}

std::optional<Schedule> TuningDatabase::find(const std::string& spec_key,
                                             const std::string& cpu_name) const {
  const TuningEntry* e = entry(spec_key, cpu_name);
  if (e == nullptr) return std::nullopt;
  return e->schedule;
}

const TuningEntry* TuningDatabase::entry(const std::string& spec_key,
                                         const std::string& cpu_name) const {
  auto it = entries_.find({spec_key, cpu_name});
  return it == entries_.end() ? nullptr : &it->second;
}

void TuningDatabase::put(TuningEntry entry) {
  if (entry.llvm_version.empty()) entry.llvm_version = llvm_version();
  if (entry.library_version.empty()) entry.library_version = library_version();
  auto key = std::make_pair(entry.spec_key, entry.cpu_name);
  entries_[std::move(key)] = std::move(entry);
}

void TuningDatabase::put(const std::string& spec_key, const std::string& cpu_name,
                         const Schedule& schedule, double gflops, double default_gflops,
                         int threads) {
  TuningEntry entry;
  entry.spec_key = spec_key;
  entry.cpu_name = cpu_name;
  entry.schedule = schedule;
  entry.gflops = gflops;
  entry.default_gflops = default_gflops;
  entry.threads = threads;
  put(std::move(entry));
}

void TuningDatabase::merge(const TuningDatabase& other) {
  for (const auto& [key, theirs] : other.entries_) {
    auto it = entries_.find(key);
    if (it == entries_.end() || theirs.gflops > it->second.gflops) entries_[key] = theirs;
  }
}

void TuningDatabase::save(const std::string& path) const {
  std::string text;
  {
    llvm::raw_string_ostream stream(text);
    json::OStream out(stream, /*IndentSize=*/2);
    out.object([&] {
      out.attribute("format", kFormatName);
      out.attribute("version", kFormatVersion);
      out.attribute("llvm_version", llvm_version());
      out.attribute("library_version", library_version());
      out.attributeArray("entries", [&] {
        for (const auto& [key, entry] : entries_) write_entry(out, entry);
      });
    });
  }
  text += '\n';

  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  // A name unique to this process, in the same folder, so the rename is atomic.
  const fs::path temp = target.string() + fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      fs::remove(temp, ec);
      throw Error(fmt::format("cannot write tuning database {}", temp.string()));
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error(fmt::format("cannot write tuning database {}: {}", path, ec.message()));
  }
}

std::vector<TuningEntry> TuningDatabase::entries() const {
  std::vector<TuningEntry> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(entry);
  return out;
}

}  // namespace lucid
