// The tuner's last word on a winner: timed in alternating rounds beside the default, is it
// really faster? On a shared 2-vCPU VM one timing of each differs by 2-8% between identical
// kernels, so a single pair let noise write entries: grouped4's forward "won" by 7% in one
// 60 s tuning run and re-timed at 0-2% (README, 2026-12-05). A database entry replaces the
// default for every later call, so it has to win round after round, not once.
#pragma once

#include <vector>

namespace lucid::tune {

// Alternating rounds of the final check (default, winner; then winner, default; ...).
constexpr int kConfirmRounds = 5;
// Rounds of kConfirmRounds the winner must be faster in: a sign test that identical kernels
// pass one time in five (6 of 32 outcomes), instead of one in two for a single pair.
constexpr int kConfirmWins = 4;
// How much faster the winner's median over the rounds must be: a schedule within 2% of the
// default is not worth departing from the default's rule for.
constexpr double kConfirmGain = 0.02;

// Whether `candidate` (seconds per call, one per round) beats `base` (the same rounds):
// faster in at least kConfirmWins rounds and by kConfirmGain in the median. Both hold one
// time per round; rounds with a non-finite time count as lost.
bool confirmed_faster(const std::vector<double>& base, const std::vector<double>& candidate);

}  // namespace lucid::tune
