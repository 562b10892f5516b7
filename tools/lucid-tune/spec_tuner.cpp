// tune_spec: coordinate search over the schedule space of one spec (see spec_tuner.h).
#include "spec_tuner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "confirmation.h"
#include "host_info.h"
#include "median_timer.h"
#include "target.h"
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
        space_(target.spec, engine.vector_bits(), lucid::jit::vector_registers_of(lucid::jit::host_target())),
        check_(target.spec, std::min(target.batch, kCheckBatch), std::min(target.length, kCheckLength)),
        data_(target.spec, target.batch, target.length), runner_(options.threads) {}

  TuneResult run() {
    const auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    result_.base = engine_.default_schedule(target_.spec).normalized_for(target_.spec);

    // 1. Plan, so the progress bar knows its length: per width, one round per position in
    //    the longest of the three passes' candidate lists.
    std::vector<std::array<std::vector<Schedule>, 3>> plan;  // native width first
    std::size_t total = 2;  // the default, the final check
    for (int vw : space_.vector_widths()) {
      Schedule start_point = result_.base;
      start_point.vector_width = vw;
      auto& lists = plan.emplace_back();
      std::size_t rounds = 0;
      for (Pass p : bench::kAllPasses) {
        lists[index(p)] = space_.candidates(start_point, p);
        rounds = std::max(rounds, lists[index(p)].size());
      }
      total += rounds;
    }
    lucid::tools::ProgressBar bar(target_.name, static_cast<int64_t>(total),
                                  {.stream = stderr,
                                   .off_terminal = lucid::tools::ProgressBar::OffTerminal::every_tenth,
                                   .enabled = options_.progress});
    std::size_t done = 0;

    // 2. The default schedule: if it is wrong there is nothing to tune.
    auto base = evaluate(result_.base, {true, true, true});
    bar.update(++done, "default " + result_.base.key());
    if (!base || sum(*base) == kInf) {
      bar.finish("default schedule failed");
      return result_;
    }
    result_.base_seconds = *base;
    result_.ok = true;

    // 3. Per vector width, in rounds: round i gives each pass its i-th knob setting (nearest
    //    to the default first) on top of the best knobs found so far for the other passes.
    //    The passes are separate kernels, so one compile measures three settings at once.
    std::vector<std::pair<Schedule, std::array<double, 3>>> per_width;
    for (auto& lists : plan) {
      Schedule current = lists[0].front();  // the default's knobs at this width
      std::array<double, 3> best = {kInf, kInf, kInf};
      const std::size_t rounds = std::max({lists[0].size(), lists[1].size(), lists[2].size()});
      for (std::size_t i = 0; i < rounds && elapsed() <= options_.budget_seconds; ++i) {
        Schedule candidate = current;
        std::array<bool, 3> active = {false, false, false};
        for (Pass p : bench::kAllPasses)
          if (i < lists[index(p)].size()) {
            ScheduleSpace::copy_pass_knobs(lists[index(p)][i], p, candidate);
            active[index(p)] = true;
          }
        candidate = candidate.normalized_for(target_.spec);
        std::optional<std::array<double, 3>> seconds;
        if (candidate == result_.base) seconds = result_.base_seconds;
        else seconds = evaluate(candidate, active);
        if (seconds) {
          for (Pass p : bench::kAllPasses) {
            const double t = (*seconds)[index(p)];
            if (!active[index(p)] || !(t < best[index(p)])) continue;
            best[index(p)] = t;
            ScheduleSpace::copy_pass_knobs(candidate, p, current);
            best_pass_gflops_[index(p)] = std::max(best_pass_gflops_[index(p)], gflops(t));
          }
        }
        bar.update(++done, fmt::format("{}  best fwd {:.1f} / bwd-data {:.1f} / bwd-weight {:.1f} "
                                       "GF/s  {:.1f}s/{:.0f}s", candidate.key(), best_pass_gflops_[0],
                                       best_pass_gflops_[1], best_pass_gflops_[2], elapsed(),
                                       options_.budget_seconds));
      }
      current.vector_width = lists[0].front().vector_width;
      if (sum(best) < kInf) per_width.emplace_back(current, best);
    }

    // 4. The best width. The winner is checked on every pass, then timed against the default
    //    in alternating rounds (the machine's load may have changed since the start, and one
    //    timing of each is within the VM's noise; confirmation.h). At the default's width
    //    each pass keeps whichever knobs were confirmed faster, since passes are separate
    //    kernels; at another width the totals decide.
    Schedule winner = result_.base;
    double winner_seconds = sum(result_.base_seconds);
    for (auto& [schedule, seconds] : per_width)
      if (sum(seconds) < winner_seconds) {
        winner = schedule;
        winner_seconds = sum(seconds);
      }
    result_.best = result_.base;
    result_.best_seconds = result_.base_seconds;
    if (!(winner == result_.base)) {
      if (auto rounds = alternate(winner)) {
        auto& [base_rounds, winner_rounds] = *rounds;
        std::array<double, 3> base_now{}, winner_now{};
        for (Pass p : bench::kAllPasses) {
          base_now[index(p)] = bench::median_of(base_rounds[index(p)]);
          winner_now[index(p)] = bench::median_of(winner_rounds[index(p)]);
        }
        result_.base_seconds = result_.best_seconds = base_now;
        if (winner.vector_width == result_.base.vector_width) {
          for (Pass p : bench::kAllPasses)
            if (confirmed_faster(base_rounds[index(p)], winner_rounds[index(p)])) {
              ScheduleSpace::copy_pass_knobs(winner, p, result_.best);
              result_.best_seconds[index(p)] = winner_now[index(p)];
            }
          result_.best = result_.best.normalized_for(target_.spec);
        } else if (confirmed_faster(round_sums(base_rounds), round_sums(winner_rounds))) {
          result_.best = winner;
          result_.best_seconds = winner_now;
        }
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

  // Copies pass p's knobs from `from` into `to`; the vector width and other passes' knobs stay.
  void note(const std::string& message) {
    if (result_.errors.size() < kMaxErrors) result_.errors.push_back(message);
  }

  using Rounds = std::array<std::vector<double>, 3>;  // per pass, seconds per round

  // Per round, the three passes' times added up.
  static std::vector<double> round_sums(const Rounds& rounds) {
    std::vector<double> sums(rounds[0].size(), 0.0);
    for (const auto& pass : rounds)
      for (std::size_t r = 0; r < sums.size(); ++r) sums[r] += pass[r];
    return sums;
  }

  // The default and `winner`, every pass timed in kConfirmRounds alternating rounds (default
  // first in even rounds, winner first in odd ones). nullopt when the winner does not compile;
  // a pass it computes wrongly is timed as infinity, so it never wins.
  std::optional<std::pair<Rounds, Rounds>> alternate(const Schedule& winner) {
    auto checked = evaluate(winner, {true, true, true}, /*timed=*/false);
    if (!checked) return std::nullopt;
    const std::shared_ptr<const KernelSet> base = engine_.kernels(target_.spec, result_.base);
    const std::shared_ptr<const KernelSet> candidate = engine_.kernels(target_.spec, winner);
    Rounds base_rounds, winner_rounds;
    for (int r = 0; r < kConfirmRounds; ++r) {
      auto time_into = [&](const KernelSet& kernels, Rounds& into, bool wrong_is_slow) {
        for (Pass p : bench::kAllPasses)
          into[index(p)].push_back(wrong_is_slow && (*checked)[index(p)] == kInf ? kInf : time(kernels, p));
      };
      if (r % 2 == 0) {
        time_into(*base, base_rounds, false);
        time_into(*candidate, winner_rounds, true);
      } else {
        time_into(*candidate, winner_rounds, true);
        time_into(*base, base_rounds, false);
      }
    }
    return std::make_pair(std::move(base_rounds), std::move(winner_rounds));
  }

  // Median seconds per call of one pass.
  double time(const KernelSet& kernels, Pass p) {
    return bench::time_median([&] { runner_.run(kernels, p, data_); }, 5, 0.002).median_seconds;
  }

  // Compiles schedule, then checks and (when `timed`) times each active pass: a checked pass
  // untimed gets 0. nullopt when it does not compile; a pass that computes a wrong result (or
  // is not active) gets infinity.
  std::optional<std::array<double, 3>> evaluate(const Schedule& schedule, std::array<bool, 3> active,
                                                bool timed = true) {
    std::shared_ptr<const KernelSet> kernels;
    try {
      kernels = engine_.kernels(target_.spec, schedule);
    } catch (const std::exception& e) {
      ++result_.failed;
      note(fmt::format("{}: does not compile: {}", schedule.key(), e.what()));
      return std::nullopt;
    }
    std::array<double, 3> seconds = {kInf, kInf, kInf};
    for (Pass p : bench::kAllPasses) {
      if (!active[index(p)]) continue;
      std::string why;
      if (!check_.passes(*kernels, p, &why)) {
        ++result_.rejected;
        note(fmt::format("{}: rejected: {}", schedule.key(), why));
        continue;
      }
      if (!timed) {
        seconds[index(p)] = 0;
        continue;
      }
      seconds[index(p)] = time(*kernels, p);
      ++result_.measured;
    }
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
