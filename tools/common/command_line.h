// Every tool's command line goes through CLI11 (libcli11-dev) and these few functions, so all
// tools accept "--opt value" and "--opt=value", print their options for --help, and word
// their usage errors the same way:
//   unknown option '--x'      unexpected argument 'x'      --x needs a value
//   --x given twice           --x wants an integer >= 1, got '0'     --x cannot take 'abc'
// CLI11 rather than llvm::cl: llvm::cl options live in one global registry shared with LLVM's
// own options inside libLLVM, and the demo and the bench drivers should not need LLVM to read
// their arguments.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace lucid::cli {

// A mistake on the command line: the tool prints what() and usage_hint(), and exits with its
// usage exit code (2 for the tools, 1 for lucid-bench and lucid-bench-jit, as before).
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

// Makes `app`'s --help start with `synopsis` (the tool's own "usage: ..." lines, which say
// more than CLI11's generated one), then `description`, then CLI11's list of every option.
void use_synopsis(CLI::App& app, const std::string& synopsis, const std::string& description);

// What an unrecognised argument means to parse().
enum class Unrecognised {
  error,  // a usage error
  keep,   // returned, for a library that reads its own flags (Google Benchmark)
};

// Parses argv[1..] into `app`'s options. Returns false when -h/--help was given. Throws
// UsageError worded as above. With Unrecognised::keep, `kept` receives argv[0] followed by the
// arguments no option took, in their order.
bool parse(CLI::App& app, int argc, const char* const* argv,
           Unrecognised unrecognised = Unrecognised::error, std::vector<std::string>* kept = nullptr);

// `args` as a C argv (pointers into the strings, which must outlive it), for a library that
// parses the arguments parse() kept, e.g. benchmark::Initialize.
std::vector<char*> as_argv(std::vector<std::string>& args);

// The synopsis and a pointer to --help, printed after a usage error's message.
std::string usage_hint(const CLI::App& app);

// Validators whose messages follow the option's name ("--repeat wants an integer >= 1, ...").
CLI::Validator integer_at_least(std::int64_t low);
CLI::Validator positive_number();
CLI::Validator non_empty();

}  // namespace lucid::cli
