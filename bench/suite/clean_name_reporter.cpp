// CleanNameReporter: a thin decorator; the inner reporter writes to whatever streams Google
// Benchmark gives this one (stdout, or the --benchmark_out file).
#include "clean_name_reporter.h"

#include <stdexcept>

namespace lucid::bench {

CleanNameReporter::CleanNameReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner)
    : inner_(std::move(inner)) {}

void CleanNameReporter::share_streams() {
  inner_->SetOutputStream(&GetOutputStream());
  inner_->SetErrorStream(&GetErrorStream());
}

bool CleanNameReporter::ReportContext(const Context& context) {
  share_streams();
  return inner_->ReportContext(context);
}

void CleanNameReporter::ReportRuns(const std::vector<Run>& runs) {
  std::vector<Run> cleaned = runs;
  for (Run& run : cleaned) {
    run.run_name.min_time.clear();
    run.run_name.min_warmup_time.clear();
    run.run_name.iterations.clear();
    run.run_name.time_type.clear();
  }
  share_streams();
  inner_->ReportRuns(cleaned);
}

void CleanNameReporter::Finalize() {
  share_streams();
  inner_->Finalize();
}

std::unique_ptr<CleanNameReporter> CleanNameReporter::for_format(const std::string& format,
                                                                 bool to_terminal) {
  std::unique_ptr<benchmark::BenchmarkReporter> inner;
  if (format == "json") {
    inner = std::make_unique<benchmark::JSONReporter>();
  } else if (format == "console") {
    inner = std::make_unique<benchmark::ConsoleReporter>(
        to_terminal ? benchmark::ConsoleReporter::OO_Defaults
                    : benchmark::ConsoleReporter::OO_Tabular);
  } else {
    throw std::invalid_argument("unknown benchmark output format '" + format + "' (console or json)");
  }
  return std::make_unique<CleanNameReporter>(std::move(inner));
}

}  // namespace lucid::bench
