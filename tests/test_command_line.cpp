// lucid_command_line (tools/common/command_line.h), the CLI11 layer every tool parses with:
// both value forms, --help, and the wording of each kind of usage error the tools print.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "command_line.h"

namespace {

// A small tool's options: a positional, a checked integer, a string and a flag.
struct Toy {
  CLI::App app{"", "toy"};
  std::string spec, name;
  std::int64_t count = 1;
  bool verbose = false;
  Toy() {
    lucid::cli::use_synopsis(app, "usage: toy SPEC [--count N] [--name S] [--verbose]",
                             "A toy tool.");
    app.add_option("spec", spec, "the layer");
    app.add_option("--count", count, "how many")->check(lucid::cli::integer_at_least(1));
    app.add_option("--name", name, "a name")->check(lucid::cli::non_empty());
    app.add_flag("--verbose", verbose, "say more");
  }
  bool parse(std::vector<std::string> args) {
    args.insert(args.begin(), "toy");
    std::vector<char*> argv = lucid::cli::as_argv(args);
    return lucid::cli::parse(app, static_cast<int>(args.size()), argv.data());
  }
};

std::string error_of(std::vector<std::string> args) {
  Toy toy;
  try {
    toy.parse(std::move(args));
  } catch (const lucid::cli::UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("--opt value and --opt=value both set the option") {
  Toy spaced;
  REQUIRE(spaced.parse({"ConvTranspose1d(4, 2, 3)", "--count", "3", "--name", "a", "--verbose"}));
  CHECK(spaced.spec == "ConvTranspose1d(4, 2, 3)");
  CHECK(spaced.count == 3);
  CHECK(spaced.name == "a");
  CHECK(spaced.verbose);
  Toy joined;
  REQUIRE(joined.parse({"--count=4", "--name=b=c", "ConvTranspose1d(4, 2, 3)"}));
  CHECK(joined.count == 4);
  CHECK(joined.name == "b=c");  // only the first '=' separates
  CHECK(joined.spec == "ConvTranspose1d(4, 2, 3)");
}

TEST_CASE("--help and -h return false and the help lists the synopsis and every option") {
  Toy toy;
  CHECK_FALSE(toy.parse({"--help"}));
  Toy short_form;
  CHECK_FALSE(short_form.parse({"x", "-h"}));
  const std::string help = toy.app.help();
  CHECK(help.rfind("usage: toy SPEC", 0) == 0);
  for (const char* text : {"A toy tool.", "--count", "--name", "--verbose", "--help", "spec"})
    CHECK_MESSAGE(help.find(text) != std::string::npos, text);
  CHECK(lucid::cli::usage_hint(toy.app) ==
        "usage: toy SPEC [--count N] [--name S] [--verbose]\nRun 'toy --help' for every option.\n");
}

TEST_CASE("each kind of usage error is worded the same way, naming the option or value") {
  CHECK(error_of({"x", "--frobnicate", "1"}) == "unknown option '--frobnicate'");
  CHECK(error_of({"x", "--frobnicate=1"}) == "unknown option '--frobnicate'");
  CHECK(error_of({"x", "-q"}) == "unknown option '-q'");
  CHECK(error_of({"x", "y"}) == "unexpected argument 'y'");
  CHECK(error_of({"x", "--count"}) == "--count needs a value");
  CHECK(error_of({"x", "--count", "2", "--count=3"}) == "--count given twice");
  CHECK(error_of({"x", "--count=0"}) == "--count wants an integer >= 1, got '0'");
  CHECK(error_of({"x", "--count", "two"}) == "--count wants an integer >= 1, got 'two'");
  CHECK(error_of({"x", "--name="}) == "--name needs a non-empty value");
  CHECK(error_of({"x", "--name", ""}) == "--name needs a non-empty value");
}

TEST_CASE("a value CLI11 cannot convert names the option and the value") {
  CLI::App app{"", "toy"};
  double seconds = 0;
  app.add_option("--seconds", seconds, "time");
  std::vector<std::string> args = {"toy", "--seconds", "soon"};
  std::vector<char*> argv = lucid::cli::as_argv(args);
  CHECK_THROWS_WITH_AS(lucid::cli::parse(app, 3, argv.data()), "--seconds cannot take 'soon'",
                       lucid::cli::UsageError);
}

TEST_CASE("positive_number takes any number above zero") {
  CLI::App app{"", "toy"};
  double budget = 0;
  app.add_option("--budget", budget, "seconds")->check(lucid::cli::positive_number());
  std::vector<std::string> good = {"toy", "--budget=0.5"};
  std::vector<char*> good_argv = lucid::cli::as_argv(good);
  REQUIRE(lucid::cli::parse(app, 2, good_argv.data()));
  CHECK(budget == 0.5);
  CLI::App again{"", "toy"};
  again.add_option("--budget", budget, "seconds")->check(lucid::cli::positive_number());
  std::vector<std::string> bad = {"toy", "--budget", "-1"};
  std::vector<char*> bad_argv = lucid::cli::as_argv(bad);
  CHECK_THROWS_WITH_AS(lucid::cli::parse(again, 3, bad_argv.data()),
                       "--budget wants a positive number, not '-1'", lucid::cli::UsageError);
}

TEST_CASE("Unrecognised::keep hands the arguments no option took on, in order") {
  CLI::App app{"", "bench"};
  std::string suite;
  app.add_option("--suite", suite, "suite file");
  std::vector<std::string> args = {"bench", "--benchmark_filter=seed", "--suite", "s.json",
                                   "--benchmark_min_time=0.01", "stray"};
  std::vector<char*> argv = lucid::cli::as_argv(args);
  std::vector<std::string> kept;
  REQUIRE(lucid::cli::parse(app, static_cast<int>(args.size()), argv.data(),
                            lucid::cli::Unrecognised::keep, &kept));
  CHECK(suite == "s.json");
  CHECK(kept == std::vector<std::string>{"bench", "--benchmark_filter=seed",
                                         "--benchmark_min_time=0.01", "stray"});
}
