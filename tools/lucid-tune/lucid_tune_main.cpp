// lucid-tune: finds the fastest schedule of each layer on this CPU and records it in the
// tuning database, which the JIT then uses by default.
//
//   lucid-tune "ConvTranspose1d(512, 256, 16, stride=8, padding=4)" [--batch N] [--length L]
//   lucid-tune --suite FILE [--only NAME,NAME]
//   options: --budget SECONDS   search time per layer (default 20)
//            --db FILE          database to merge into (default $LUCID_TUNING_DB, else
//                               tuning.json beside the kernel cache)
//            --threads N        threads per measured call (default 1)
//            --no-progress      no progress bar on stderr
//
// Steps: 1. read the arguments; 2. load the database (a corrupt one is replaced, with a
// warning); 3. tune each layer; 4. merge each result into the file as soon as it is known, so
// an interrupted suite run keeps what it finished and concurrent runs do not lose entries.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "command_line.h"
#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "lucid/tuning_database.h"
#include "spec_tuner.h"
#include "suite_file.h"

namespace {

constexpr const char* kSynopsis = R"usage(usage: lucid-tune "ConvTranspose1d(...)" [--batch N] [--length L] [options]
       lucid-tune --suite FILE [--only NAME,NAME] [options]
)usage";

struct Arguments {
  std::string spec_text;
  std::string suite;
  std::vector<std::string> only;
  int64_t batch = 1;
  int64_t length = 1024;
  std::string db;
  lucid::tune::TuneOptions options;
};

// The options as CLI11 stores them; parse() turns them into Arguments. The numbers are doubles,
// as before CLI11, so "--threads 2.5" still means 2.
struct CommandLine {
  std::vector<std::string> specs, only_lists;
  std::string suite, db;
  double budget = 20, threads = 1, batch = 1, length = 1024;
  bool no_progress = false;
};

void add_options(CLI::App& app, CommandLine& c) {
  lucid::cli::use_synopsis(app, kSynopsis,
                           "Finds the fastest schedule of each layer on this CPU and records it in "
                           "the tuning database.\nExit codes: 0 done, 1 a layer failed or a runtime "
                           "error, 2 bad usage.");
  // As before CLI11, a repeated option takes its last value (--only adds to the list).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("spec", c.specs, "the layer, e.g. \"ConvTranspose1d(512, 256, 16, stride=8)\"")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--suite", c.suite, "tune every layer of this suite file")->type_name("FILE");
  app.add_option("--only", c.only_lists, "only these suite layers (comma-separated; repeatable)")
      ->type_name("NAME,NAME")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one list per --only; what follows is a spec or an option
  app.add_option("--batch", c.batch, "batch of the single layer (default 1)")
      ->type_name("N")->check(lucid::cli::positive_number());
  app.add_option("--length", c.length, "input length of the single layer (default 1024)")
      ->type_name("L")->check(lucid::cli::positive_number());
  app.add_option("--budget", c.budget, "search time per layer (default 20)")
      ->type_name("SECONDS")->check(lucid::cli::positive_number());
  app.add_option("--db", c.db, "tuning database to merge into (default $LUCID_TUNING_DB, else "
                               "tuning.json beside the kernel cache)")->type_name("FILE");
  app.add_option("--threads", c.threads, "threads per measured call (default 1)")
      ->type_name("N")->check(lucid::cli::positive_number());
  app.add_flag("--no-progress", c.no_progress, "no progress bar");
}

[[noreturn]] void usage_error(const CLI::App& app, const std::string& message) {
  std::cerr << "lucid-tune: " << message << "\n" << lucid::cli::usage_hint(app);
  std::exit(2);
}

Arguments parse(int argc, char** argv) {
  CommandLine c;
  CLI::App app("", "lucid-tune");
  add_options(app, c);
  try {
    if (!lucid::cli::parse(app, argc, argv)) {
      std::cout << app.help();
      std::exit(0);
    }
  } catch (const lucid::cli::UsageError& e) {
    usage_error(app, e.what());
  }
  if (c.specs.size() > 1) usage_error(app, "one layer spec at a time (or --suite)");
  Arguments a;
  if (!c.specs.empty()) a.spec_text = c.specs.front();
  a.suite = c.suite;
  a.db = c.db;
  for (const std::string& list : c.only_lists) {
    for (std::size_t pos = 0; pos <= list.size();) {
      const std::size_t comma = std::min(list.find(',', pos), list.size());
      a.only.push_back(list.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }
  a.options.budget_seconds = c.budget;
  a.options.threads = static_cast<int>(c.threads);
  a.batch = static_cast<int64_t>(c.batch);
  a.length = static_cast<int64_t>(c.length);
  if (c.no_progress) a.options.progress = false;
  if (a.spec_text.empty() == a.suite.empty()) usage_error(app, "give a layer spec or --suite FILE");
  return a;
}

std::vector<lucid::bench::SuiteConfig> targets_of(const Arguments& a) {
  if (!a.spec_text.empty()) {
    lucid::bench::SuiteConfig c;
    c.spec = lucid::ConvSpec::parse(a.spec_text);
    c.name = c.spec.key();
    c.batch = a.batch;
    c.length = a.length;
    c.spec.output_length(c.length);  // a clear error now rather than mid-search
    return {c};
  }
  std::vector<lucid::bench::SuiteConfig> targets;
  for (auto& c : lucid::bench::load_suite(a.suite)) {
    bool wanted = a.only.empty();
    for (const auto& name : a.only) wanted = wanted || name == c.name;
    if (wanted) targets.push_back(c);
  }
  if (targets.empty()) throw lucid::Error("no suite layer matches --only");
  return targets;
}

}  // namespace

int main(int argc, char** argv) {
  // 1. Arguments.
  const Arguments args = parse(argc, argv);
  try {
    const auto targets = targets_of(args);
    lucid::JitOptions options = lucid::JitOptions::from_environment();
    const std::string db_path = args.db.empty() ? options.tuning_db : args.db;
    options.disk_cache = false;  // hundreds of candidates: keep them out of the user's cache

    // 2. The database to merge into.
    std::string warning;
    lucid::TuningDatabase db = lucid::TuningDatabase::load(db_path, &warning);
    if (!warning.empty()) std::cerr << warning << " (it will be replaced)\n";

    int failures = 0;
    for (const auto& target : targets) {
      // 3. Tune; a fresh engine per layer frees the candidates' code afterwards.
      lucid::JitEngine engine(options);
      const lucid::tune::TuneResult r = lucid::tune::tune_spec(target, engine, args.options);
      for (const auto& e : r.errors) std::cerr << "  " << e << "\n";
      if (!r.ok) {
        std::cerr << fmt::format("lucid-tune: {}: the default schedule failed; nothing recorded\n",
                                 target.name);
        ++failures;
        continue;
      }
      const std::string label =
          target.name == target.spec.key() ? target.name : target.name + " " + target.spec.key();
      std::cout << fmt::format(
          "{}  default {:.1f} GF/s -> tuned {:.1f} GF/s ({:.2f}x)  {}  [{} pass timings, {} "
          "rejected, {} schedules not compiled]\n",
          label, r.default_gflops, r.gflops, r.gflops / r.default_gflops,
          r.best.key(), r.measured, r.rejected, r.failed);

      // 4. Record, keyed by spec key and this CPU, into the file as it is now (another run
      //    may have written it meanwhile), and write at once.
      db = lucid::TuningDatabase::load(db_path);
      db.put(target.spec.key(), engine.cpu_name(), r.best, r.gflops, r.default_gflops,
             args.options.threads);
      db.save(db_path);
    }
    std::cout << fmt::format("tuning database: {} ({} entries)\n", db_path, db.size());
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "lucid-tune: " << e.what() << "\n";
    return 1;
  }
}
