// Command-line parsing for lucid-aot: "--opt value" and "--opt=value" forms, spec files.
#include "aot_options.h"

#include <cctype>
#include <fstream>
#include <set>

#include <fmt/format.h>

namespace lucid_aot {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// One spec per line; '#' starts a comment; blank lines are skipped.
void read_spec_file(const std::string& path, std::vector<SpecText>& specs) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("--specs {}: cannot read the file", path));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    size_t hash = line.find('#');
    std::string text = trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (!text.empty()) specs.push_back({text, fmt::format("{}:{}", path, number)});
  }
}

void set_emit(AotOptions& o, const std::string& list) {
  o.emit_object = o.emit_header = o.emit_static_lib = o.emit_ll = o.emit_asm = false;
  for (const std::string& kind : split_commas(list)) {
    if (kind == "obj") o.emit_object = true;
    else if (kind == "header") o.emit_header = true;
    else if (kind == "static-lib") o.emit_static_lib = true;
    else if (kind == "ll") o.emit_ll = true;
    else if (kind == "asm") o.emit_asm = true;
    else
      throw UsageError(fmt::format("--emit: unknown kind '{}' (valid: obj, header, static-lib, ll, asm)", kind));
  }
}

bool is_c_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

std::string aot_usage() {
  return "usage: lucid-aot SPEC... [--specs FILE] [--name PREFIX] [--target T[,T...]]\n"
         "                 [--emit obj,header,static-lib,ll,asm] -o DIR\n"
         "\n"
         "Writes each layer's kernels as an object file and a C header that link with no LLVM.\n"
         "  SPEC             a layer, e.g. \"ConvTranspose1d(512, 256, 16, stride=8, padding=4)\"\n"
         "  --specs FILE     more layers, one per line; '#' starts a comment\n"
         "  --name PREFIX    symbol prefix (a C identifier); with several layers each gets\n"
         "                   PREFIX_0, PREFIX_1, ... in order. Default: lucid_<spec key>\n"
         "  --target T,...   host (default), an LLVM CPU name (znver4, skylake-avx512,\n"
         "                   haswell, ...) or x86-64, x86-64-v2, x86-64-v3, x86-64-v4.\n"
         "                   Several targets: one object each plus PREFIX.dispatch.o, which\n"
         "                   picks the best one the running CPU supports on the first call\n"
         "  --emit KINDS     obj,header (default), static-lib (libPREFIX.a), ll, asm\n"
         "  -o DIR           output folder; written all or nothing\n"
         "Exit codes: 0 done; 2 bad arguments, spec or target; 1 output or compile failure.\n";
}

AotOptions parse_aot_options(int argc, char** argv) {
  AotOptions o;
  std::vector<std::string> spec_files;
  bool have_targets = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return o;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      o.specs.push_back({arg, fmt::format("argument {}", o.specs.size() + 1)});
      continue;
    }
    std::string key = arg, value;
    bool inline_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    static const std::set<std::string> known = {"--specs", "--name", "--target", "--emit", "-o", "--output"};
    if (!known.count(key))
      throw UsageError(fmt::format("unknown option '{}' (see lucid-aot --help)", arg));
    if (!inline_value) {
      if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", key));
      value = argv[++i];
    }
    if (key == "--specs") spec_files.push_back(value);
    else if (key == "--name") o.name = value;
    else if (key == "--emit") set_emit(o, value);
    else if (key == "-o" || key == "--output") o.output_dir = value;
    else if (key == "--target") {
      have_targets = true;
      o.targets.clear();
      for (const std::string& t : split_commas(value)) {
        if (t.empty()) throw UsageError("--target: empty target name in '" + value + "'");
        for (const std::string& seen : o.targets)
          if (seen == t) throw UsageError("--target: '" + t + "' is listed twice");
        o.targets.push_back(t);
      }
    }
  }
  for (const std::string& file : spec_files) read_spec_file(file, o.specs);
  if (!have_targets) o.targets = {"host"};
  if (o.specs.empty()) throw UsageError("no layer given: pass a SPEC or --specs FILE (see lucid-aot --help)");
  if (o.output_dir.empty()) throw UsageError("no output folder: pass -o DIR");
  if (!o.name.empty() && !is_c_identifier(o.name))
    throw UsageError(fmt::format("--name '{}' is not a C identifier (letters, digits, '_'; no leading digit)", o.name));
  if (!o.emit_object && !o.emit_header && !o.emit_static_lib && !o.emit_ll && !o.emit_asm)
    throw UsageError("--emit: nothing to write");
  return o;
}

}  // namespace lucid_aot
