// OnednnBest: candidates are timed with time_median (the tuner's timer): 5 samples of at least
// 2 ms each, so a candidate costs tens of milliseconds. They are ranked by their fastest
// sample, not the median: on a shared machine a sample can only be slowed by other processes,
// never sped up, so the fastest is the best estimate of what the set-up itself costs. Near-ties
// may go either way, which is harmless since they are near-ties.
#include "onednn_best.h"

#include <stdexcept>

#include "median_timer.h"

namespace lucid::bench {

namespace {

struct Setup {
  std::string name;
  OnednnLayout layout;
  OnednnVariant variant;
};

std::vector<Setup> setups_for(Pass pass, bool bias) {
  std::vector<Setup> setups;
  for (OnednnLayout layout : {OnednnLayout::Best, OnednnLayout::Plain}) {
    const std::string layout_name = layout == OnednnLayout::Best ? "any" : "plain";
    if (pass != Pass::Forward) {
      setups.push_back({layout_name, layout, {}});
      continue;
    }
    for (bool training : {false, true}) {
      for (bool separate : {false, true}) {
        if (separate && !bias) continue;
        std::string name = layout_name + (training ? "/training" : "/inference");
        if (bias) name += separate ? "/binary_add" : "/bias";
        setups.push_back({name, layout, {training, separate}});
      }
    }
  }
  return setups;
}

}  // namespace

OnednnBest::OnednnBest(Pass pass, ProblemData& data) {
  double best = 0;
  for (const Setup& setup : setups_for(pass, data.spec.bias)) {
    Candidate candidate;
    candidate.name = setup.name;
    try {
      auto deconv = std::make_unique<OnednnDeconv>(pass, setup.layout, data, setup.variant);
      candidate.seconds = time_median([&] { deconv->run(); }, 5, 0.002).min_seconds;
      if (!winner_ || candidate.seconds < best) {
        winner_ = std::move(deconv);
        winner_name_ = setup.name;
        best = candidate.seconds;
      }
    } catch (const std::exception& e) {
      candidate.error = e.what();
    }
    candidates_.push_back(candidate);
  }
  if (!winner_) {
    throw std::runtime_error(candidates_.empty() ? "no oneDNN candidate"
                                                 : candidates_.front().error);
  }
}

OnednnBest::~OnednnBest() = default;

std::string OnednnBest::implementation() const {
  return winner_->implementation() + " [" + winner_name_ + "]";
}

}  // namespace lucid::bench
