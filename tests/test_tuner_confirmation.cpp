// lucid-tune's final check (tools/lucid-tune/confirmation.h): a winner replaces the default
// only when it is faster in most alternating rounds and by the margin in the median, so one
// lucky round, a tie, or a wrong (infinite) pass never writes a tuning-database entry.
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "confirmation.h"
#include "median_timer.h"
#include "lucid/error.h"

using lucid::tune::confirmed_faster;
using lucid::tune::kConfirmGain;
using lucid::tune::kConfirmRounds;
using lucid::bench::median_of;

namespace {
const double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("the final check runs enough rounds for its sign test") {
  CHECK(kConfirmRounds >= 3);
  CHECK(lucid::tune::kConfirmWins > kConfirmRounds / 2);
  CHECK(lucid::tune::kConfirmWins <= kConfirmRounds);
}

TEST_CASE("median_of (lucid_measure): odd and even counts, order does not matter") {
  CHECK(median_of({3.0, 1.0, 2.0}) == 2.0);
  CHECK(median_of({4.0, 1.0, 3.0, 2.0}) == 2.5);
  CHECK(median_of({5.0}) == 5.0);
  CHECK_THROWS_AS(median_of({}), lucid::Error);
}

TEST_CASE("a winner faster in every round by more than the margin is kept") {
  const std::vector<double> base = {1.00, 1.02, 0.99, 1.05, 1.01};
  std::vector<double> winner;
  for (double b : base) winner.push_back(b * 0.93);
  CHECK(confirmed_faster(base, winner));
}

TEST_CASE("one lucky round does not make a winner (the grouped4 case)") {
  // Faster by 7% once, level or slower in the rest: what a single timed pair can report.
  CHECK_FALSE(confirmed_faster({1.00, 1.00, 1.00, 1.00, 1.00}, {0.93, 1.01, 1.00, 1.02, 0.995}));
  // Faster in 3 of 5 rounds, even by a lot: below the sign test's 4.
  CHECK_FALSE(confirmed_faster({1.0, 1.0, 1.0, 1.0, 1.0}, {0.8, 0.8, 0.8, 1.1, 1.1}));
}

TEST_CASE("faster in every round but within the margin is a tie, and ties keep the default") {
  const std::vector<double> base = {1.0, 1.0, 1.0, 1.0, 1.0};
  const double just_inside = 1.0 - kConfirmGain / 2;
  CHECK_FALSE(confirmed_faster(base, std::vector<double>(5, just_inside)));
  CHECK(confirmed_faster(base, std::vector<double>(5, 1.0 - 2 * kConfirmGain)));
  CHECK_FALSE(confirmed_faster(base, base));
}

TEST_CASE("a wrong pass (timed as infinity) never wins, even in one round") {
  const std::vector<double> base = {1.0, 1.0, 1.0, 1.0, 1.0};
  CHECK_FALSE(confirmed_faster(base, std::vector<double>(5, kInf)));
  // Four fast rounds and one infinite one: four wins, and the median is still fast.
  CHECK(confirmed_faster(base, {0.9, 0.9, 0.9, 0.9, kInf}));
}

TEST_CASE("base and winner need one timing per round each") {
  CHECK_THROWS_AS(confirmed_faster({1.0, 1.0}, {0.5}), lucid::Error);
  CHECK_THROWS_AS(confirmed_faster({}, {}), lucid::Error);
}
