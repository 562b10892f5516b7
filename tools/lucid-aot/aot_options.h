// AotOptions: lucid-aot's command line, parsed and checked before anything is compiled.
//
//   lucid-aot SPEC... [--specs FILE] [--name PREFIX] [--target T[,T...]]
//             [--emit obj,header,static-lib,ll,asm] -o DIR
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace lucid_aot {

// A mistake in the arguments (exit code 2). The message says what was wrong.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One layer as the user wrote it, and where (for error messages).
struct SpecText {
  std::string text;
  std::string origin;  // "argument 1" or "layers.txt:3"
};

struct AotOptions {
  std::vector<SpecText> specs;        // positional SPECs, then the --specs files' lines
  std::string name;                   // --name; empty: each prefix comes from its spec key
  std::vector<std::string> targets;   // --target, split at commas; default {"host"}
  bool emit_object = true, emit_header = true, emit_static_lib = false;
  bool emit_ll = false, emit_asm = false;
  std::string output_dir;             // -o
  bool help = false;
};

// Parses argv with CLI11; reads --specs files. Throws UsageError.
AotOptions parse_aot_options(int argc, char** argv);

// The --help text: the synopsis and every option.
std::string aot_usage();

}  // namespace lucid_aot
