// tune_spec: coordinate search over the schedule space of one spec (see spec_tuner.h).
#include "spec_tuner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "median_timer.h"
#include "pass_runner.h"
#include "problem_data.h"
#include "progress_bar.h"
#include "reference_check.h"
#include "schedule_space.h"

namespace lucid::tune {

namespace {

using bench::Pass;
using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxErrors = 5;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The check problem: short enough for the reference loops, long enough for an interior.
constexpr int64_t kCheckBatch = 2;
constexpr int64_t kCheckLength = 67;

int index(Pass p) { return static_cast<int>(p); }

double sum(const std::array<double, 3>& a) { return a[0] + a[1] + a[2]; }

class Search {
 public:
  Search(const bench::SuiteConfig& target, JitEngine& engine, const TuneOptions& options)
      : target_(target), engine_(engine), options_(options),
        space_(target.spec, engine.vector_bits()),
        check_(target.spec, std::min(target.batch, kCheckBatch), std::min(target.length, kCheckLength)),
        data_(target.spec, target.batch, target.length), runner_(options.threads) {}

  TuneResult run() {
    const auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    result_.base = Schedule::default_for(target_.spec, engine_.vector_bits()).normalized_for(target_.spec);

    // 1. Plan, so the progress bar knows its length.
    std::vector<std::pair<int, std::array<std::vector<Schedule>, 3>>> plan;  // native width first
    std::size_t total = 2;  // the default, the final check
    for (int vw : space_.vector_widths()) {
      Schedule start_point = result_.base;
      start_point.vector_width = vw;
      auto& lists = plan.emplace_back(vw, std::array<std::vector<Schedule>, 3>{}).second;
      for (Pass p : bench::kAllPasses) {
        lists[index(p)] = space_.candidates(start_point, p);
        total += lists[index(p)].size();
      }
    }
    ProgressBar bar(target_.name, total, options_.progress);
    std::size_t done = 0;
    auto status = [&](Pass p, const Schedule& s, double seconds) {
      return fmt::format("{} {} {:.1f} GF/s  best {:.1f} GF/s  {:.1f}s/{:.0f}s", bench::pass_name(p),
                         s.key(), gflops(seconds), best_pass_gflops_[index(p)], elapsed(),
                         options_.budget_seconds);
    };

    // 2. The default schedule: if it is wrong there is nothing to tune.
    auto base = evaluate(result_.base, {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight});
    bar.update(++done, "default " + result_.base.key());
    if (!base) {
      bar.finish("default schedule failed");
      return result_;
    }
    result_.base_seconds = *base;
    result_.ok = true;

    // 3. Per vector width, per pass: the pass's knobs, nearest to the default first.
    std::map<int, std::pair<Schedule, std::array<double, 3>>> per_width;
    bool out_of_time = false;
    for (auto& [vw, lists] : plan) {
      Schedule current = lists[0].front();  // the default's knobs at this width
      std::array<double, 3> best_seconds = {kInf, kInf, kInf};
      for (Pass p : bench::kAllPasses) {
        for (const Schedule& listed : lists[index(p)]) {
          if (out_of_time || elapsed() > options_.budget_seconds) {
            out_of_time = true;
            break;
          }
          Schedule candidate = listed;
          copy_other_passes(current, p, candidate);
          candidate = candidate.normalized_for(target_.spec);
          double seconds = kInf;
          if (candidate == result_.base) {
            seconds = result_.base_seconds[index(p)];
          } else if (auto t = evaluate(candidate, {p})) {
            seconds = (*t)[index(p)];
            ++result_.measured;
          }
          if (seconds < best_seconds[index(p)]) {
            best_seconds[index(p)] = seconds;
            current = candidate;
          }
          best_pass_gflops_[index(p)] = std::max(best_pass_gflops_[index(p)], gflops(seconds));
          bar.update(++done, status(p, candidate, seconds));
        }
      }
      if (sum(best_seconds) < kInf) per_width[vw] = {current, best_seconds};
    }

    // 4. The best width; then the winner is checked on every pass and measured again.
    Schedule winner = result_.base;
    double winner_seconds = sum(result_.base_seconds);
    for (auto& [vw, entry] : per_width)
      if (sum(entry.second) < winner_seconds) {
        winner = entry.first;
        winner_seconds = sum(entry.second);
      }
    result_.best = result_.base;
    result_.best_seconds = result_.base_seconds;
    if (!(winner == result_.base)) {
      auto final_seconds = evaluate(winner, {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight});
      if (final_seconds && sum(*final_seconds) < sum(result_.base_seconds)) {
        result_.best = winner;
        result_.best_seconds = *final_seconds;
      }
    }
    result_.default_gflops = 3 * target_.flops() * 1e-9 / sum(result_.base_seconds);
    result_.gflops = 3 * target_.flops() * 1e-9 / sum(result_.best_seconds);
    bar.finish(fmt::format("{}  {:.1f} -> {:.1f} GF/s  {:.1f}s", result_.best.key(),
                           result_.default_gflops, result_.gflops, elapsed()));
    return result_;
  }

 private:
  double gflops(double seconds) const {
    return seconds > 0 && seconds < kInf ? target_.flops() * 1e-9 / seconds : 0;
  }

  // Puts current's knobs for every pass except p into candidate.
  static void copy_other_passes(const Schedule& current, Pass p, Schedule& candidate) {
    if (p != Pass::Forward) {
      candidate.fwd_block_co = current.fwd_block_co;
      candidate.fwd_block_t = current.fwd_block_t;
      candidate.fwd_phase_chunk = current.fwd_phase_chunk;
    }
    if (p != Pass::BackwardData) {
      candidate.bwd_data_block_ci = current.bwd_data_block_ci;
      candidate.bwd_data_block_t = current.bwd_data_block_t;
    }
    if (p != Pass::BackwardWeight) {
      candidate.bww_block_ci = current.bww_block_ci;
      candidate.bww_block_co = current.bww_block_co;
      candidate.bww_block_taps = current.bww_block_taps;
    }
  }

  void note(const std::string& message) {
    if (result_.errors.size() < kMaxErrors) result_.errors.push_back(message);
  }

  // Compiles schedule, checks the given passes, then times them; nullopt when the schedule
  // does not compile or computes a wrong result. Untimed passes are left at infinity.
  std::optional<std::array<double, 3>> evaluate(const Schedule& schedule, std::initializer_list<Pass> passes) {
    std::shared_ptr<const KernelSet> kernels;
    try {
      kernels = engine_.kernels(target_.spec, schedule);
    } catch (const std::exception& e) {
      ++result_.failed;
      note(fmt::format("{}: does not compile: {}", schedule.key(), e.what()));
      return std::nullopt;
    }
    for (Pass p : passes) {
      std::string why;
      if (!check_.passes(*kernels, p, &why)) {
        ++result_.rejected;
        note(fmt::format("{}: rejected: {}", schedule.key(), why));
        return std::nullopt;
      }
    }
    std::array<double, 3> seconds = {kInf, kInf, kInf};
    for (Pass p : passes)
      seconds[index(p)] = bench::time_median([&] { runner_.run(*kernels, p, data_); }, 5, 0.002).median_seconds;
    return seconds;
  }

  const bench::SuiteConfig& target_;
  JitEngine& engine_;
  const TuneOptions& options_;
  ScheduleSpace space_;
  ReferenceCheck check_;
  bench::ProblemData data_;
  bench::PassRunner runner_;
  TuneResult result_;
  std::array<double, 3> best_pass_gflops_{};
};

}  // namespace

TuneResult tune_spec(const bench::SuiteConfig& target, JitEngine& engine, const TuneOptions& options) {
  return Search(target, engine, options).run();
}

}  // namespace lucid::tune
