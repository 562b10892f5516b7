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

#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "lucid/tuning_database.h"
#include "spec_tuner.h"
#include "suite_file.h"

namespace {

constexpr const char* kUsage = R"usage(usage: lucid-tune "ConvTranspose1d(...)" [--batch N] [--length L] [options]
       lucid-tune --suite FILE [--only NAME,NAME] [options]
options:
  --budget SECONDS   search time per layer (default 20)
  --db FILE          tuning database to merge into (default $LUCID_TUNING_DB, else
                     tuning.json beside the kernel cache)
  --threads N        threads per measured call (default 1)
  --no-progress      no progress bar
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

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "lucid-tune: " << message << "\n" << kUsage;
  std::exit(2);
}

double number_arg(const std::string& flag, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v > 0)) usage_error(flag + " wants a positive number, not '" + text + "'");
  return v;
}

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(arg + " wants a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--suite") {
      a.suite = value();
    } else if (arg == "--only") {
      std::string list = value();
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        a.only.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
      }
    } else if (arg == "--budget") {
      a.options.budget_seconds = number_arg(arg, value());
    } else if (arg == "--db") {
      a.db = value();
    } else if (arg == "--threads") {
      a.options.threads = static_cast<int>(number_arg(arg, value()));
    } else if (arg == "--batch") {
      a.batch = static_cast<int64_t>(number_arg(arg, value()));
    } else if (arg == "--length") {
      a.length = static_cast<int64_t>(number_arg(arg, value()));
    } else if (arg == "--no-progress") {
      a.options.progress = false;
    } else if (!arg.empty() && arg[0] == '-') {
      usage_error("unknown option " + arg);
    } else if (a.spec_text.empty()) {
      a.spec_text = arg;
    } else {
      usage_error("one layer spec at a time (or --suite)");
    }
  }
  if (a.spec_text.empty() == a.suite.empty()) usage_error("give a layer spec or --suite FILE");
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
