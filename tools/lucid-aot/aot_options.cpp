// Command-line parsing for lucid-aot: its options declared for CLI11 (tools/common/), the
// checks that need more than one option, and the spec files.
#include "aot_options.h"

#include <cctype>
#include <fstream>

#include <fmt/format.h>

#include "command_line.h"

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

const char* const kSynopsis =
    "usage: lucid-aot SPEC... [--specs FILE] [--name PREFIX] [--target T[,T...]]\n"
    "                 [--emit obj,header,static-lib,ll,asm] -o DIR\n";

// The options as CLI11 stores them; parse_aot_options() checks them and fills AotOptions.
struct CommandLine {
  std::vector<std::string> specs, spec_files;
  std::string name, target, emit, output_dir;
};

void add_options(CLI::App& app, CommandLine& c) {
  lucid::cli::use_synopsis(
      app, kSynopsis,
      "Writes each layer's kernels as an object file and a C header that link with no LLVM.\n"
      "Exit codes: 0 done; 2 bad arguments, spec or target; 1 output or compile failure.");
  // As before CLI11, a repeated option takes its last value (--specs adds files).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("SPEC", c.specs,
                 "a layer, e.g. \"ConvTranspose1d(512, 256, 16, stride=8, padding=4)\"")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--specs", c.spec_files, "more layers, one per line; '#' starts a comment")
      ->type_name("FILE")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one file per --specs; what follows is a SPEC or an option
  app.add_option("--name", c.name,
                 "symbol prefix (a C identifier); with several layers each gets PREFIX_0, "
                 "PREFIX_1, ... in order. Default: lucid_<spec key>")
      ->type_name("PREFIX");
  app.add_option("--target", c.target,
                 "host (default), an LLVM CPU name (znver4, skylake-avx512, haswell, ...) or "
                 "x86-64, x86-64-v2, x86-64-v3, x86-64-v4. Several targets: one object each plus "
                 "PREFIX.dispatch.o, which picks the best one the running CPU supports on the "
                 "first call")
      ->type_name("T,...");
  app.add_option("--emit", c.emit, "obj,header (default), static-lib (libPREFIX.a), ll, asm")
      ->type_name("KINDS");
  app.add_option("-o,--output", c.output_dir, "output folder; written all or nothing")
      ->type_name("DIR");
}

}  // namespace

std::string aot_usage() {
  CommandLine c;
  CLI::App app("", "lucid-aot");
  add_options(app, c);
  return app.help();
}

AotOptions parse_aot_options(int argc, char** argv) {
  CommandLine c;
  CLI::App app("", "lucid-aot");
  add_options(app, c);
  AotOptions o;
  try {
    if (!lucid::cli::parse(app, argc, argv)) {
      o.help = true;
      return o;
    }
  } catch (const lucid::cli::UsageError& e) {
    throw UsageError(e.what());
  }
  for (const std::string& spec : c.specs)
    o.specs.push_back({spec, fmt::format("argument {}", o.specs.size() + 1)});
  o.name = c.name;
  o.output_dir = c.output_dir;
  if (app.count("--emit")) set_emit(o, c.emit);
  if (app.count("--target")) {
    for (const std::string& t : split_commas(c.target)) {
      if (t.empty()) throw UsageError("--target: empty target name in '" + c.target + "'");
      for (const std::string& seen : o.targets)
        if (seen == t) throw UsageError("--target: '" + t + "' is listed twice");
      o.targets.push_back(t);
    }
  } else {
    o.targets = {"host"};
  }
  for (const std::string& file : c.spec_files) read_spec_file(file, o.specs);
  if (o.specs.empty()) throw UsageError("no layer given: pass a SPEC or --specs FILE (see lucid-aot --help)");
  if (o.output_dir.empty()) throw UsageError("no output folder: pass -o DIR");
  if (!o.name.empty() && !is_c_identifier(o.name))
    throw UsageError(fmt::format("--name '{}' is not a C identifier (letters, digits, '_'; no leading digit)", o.name));
  if (!o.emit_object && !o.emit_header && !o.emit_static_lib && !o.emit_ll && !o.emit_asm)
    throw UsageError("--emit: nothing to write");
  return o;
}

}  // namespace lucid_aot
