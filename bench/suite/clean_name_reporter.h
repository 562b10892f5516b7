// CleanNameReporter: forwards every run to a Google Benchmark reporter with the per-benchmark
// settings (min_time, iterations, real_time) removed from the name, so names stay exactly
// `<pass>/<config>/<impl>/threads:<n>` whatever limits a benchmark carries.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

namespace lucid::bench {

class CleanNameReporter : public benchmark::BenchmarkReporter {
 public:
  explicit CleanNameReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner);

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  // The reporter Google Benchmark would make for --benchmark_format / _out_format = format:
  // "console" (colored only on a terminal) or "json" (csv is deprecated upstream).
  static std::unique_ptr<CleanNameReporter> for_format(const std::string& format, bool to_terminal);

 private:
  void share_streams();
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
};

}  // namespace lucid::bench
