// lucid-tune's search space: every candidate differs from the base only in its pass's knobs,
// copy_pass_knobs carries all of them (lanes included) into the schedule the search compiles,
// every candidate's key parses back to it, and each lane layout the lowering offers is tried.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"
#include "schedule_space.h"

using lucid::ConvSpec;
using lucid::Schedule;
using lucid::bench::Pass;
using lucid::tune::ScheduleSpace;

namespace {

const std::vector<std::string> kSpecs = {
    "ConvTranspose1d(512, 256, 16, stride=8, padding=4)",
    "ConvTranspose1d(128, 64, 10, stride=5)",
    "ConvTranspose1d(64, 64, 4, stride=2, padding=1, groups=64)",
    "ConvTranspose1d(128, 128, 8, stride=4, padding=2, groups=4)",
    "ConvTranspose1d(256, 256, 3, padding=1, dtype=float64)",
    "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)",
};

int lanes_of(const Schedule& s, Pass p) {
  return p == Pass::Forward ? s.fwd_lanes : p == Pass::BackwardData ? s.bwd_data_lanes : s.bww_lanes;
}

}  // namespace

TEST_CASE("every candidate is the base with its own pass's knobs, and those knobs carry over") {
  for (const auto& text : kSpecs)
    for (int bits : {128, 256, 512}) {
      const ConvSpec spec = ConvSpec::parse(text);
      const ScheduleSpace space(spec, bits);
      const Schedule base = Schedule::default_for(spec, bits).normalized_for(spec);
      for (Pass p : lucid::bench::kAllPasses) {
        const auto candidates = space.candidates(base, p);
        REQUIRE(!candidates.empty());
        CHECK(candidates.front() == base);
        for (const Schedule& c : candidates) {
          INFO(text, " bits=", bits, " pass=", lucid::bench::pass_name(p), " candidate=", c.key());
          Schedule combined = base;
          ScheduleSpace::copy_pass_knobs(c, p, combined);
          CHECK(combined.normalized_for(spec) == c);
          CHECK(Schedule::parse_key(c.key()).normalized_for(spec) == c);
        }
      }
    }
}

TEST_CASE("the search tries channels in lanes for every pass of a layer with channels to spare") {
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(128, 64, 10, stride=5)");
  const ScheduleSpace space(spec, 256);
  const Schedule base = Schedule::default_for(spec, 256).normalized_for(spec);
  for (Pass p : lucid::bench::kAllPasses) {
    bool channels = false, other = false;
    for (const Schedule& c : space.candidates(base, p)) {
      channels |= lanes_of(c, p) == Schedule::kLanesChannels;
      other |= lanes_of(c, p) != Schedule::kLanesChannels;
    }
    INFO(lucid::bench::pass_name(p));
    CHECK(channels);
    CHECK(other);
  }
}
