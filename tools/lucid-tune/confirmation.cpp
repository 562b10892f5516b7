// confirmed_faster: the tuner's alternating final check (see confirmation.h).
#include "confirmation.h"

#include <algorithm>
#include <cmath>

#include "lucid/error.h"
#include "median_timer.h"

namespace lucid::tune {

bool confirmed_faster(const std::vector<double>& base, const std::vector<double>& candidate) {
  if (base.size() != candidate.size() || base.empty())
    throw Error("confirmed_faster: base and candidate need one timing per round each");
  int wins = 0;
  for (std::size_t r = 0; r < base.size(); ++r)
    if (std::isfinite(candidate[r]) && candidate[r] < base[r]) ++wins;
  const int needed = std::max(1, static_cast<int>(std::ceil(kConfirmWins * base.size() / double(kConfirmRounds))));
  if (wins < needed) return false;
  const double b = bench::median_of(base), c = bench::median_of(candidate);
  return std::isfinite(c) && c <= (1 - kConfirmGain) * b;
}

}  // namespace lucid::tune
