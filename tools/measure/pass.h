// Pass: the three timed passes of a ConvTranspose1d layer and their names in benchmark output.
#pragma once

#include <array>
#include <string_view>

namespace lucid::bench {

enum class Pass { Forward, BackwardData, BackwardWeight };

inline constexpr std::array<Pass, 3> kAllPasses = {Pass::Forward, Pass::BackwardData,
                                                   Pass::BackwardWeight};

// "forward", "backward_data" or "backward_weight": the first part of a benchmark name.
constexpr std::string_view pass_name(Pass p) {
  switch (p) {
    case Pass::Forward: return "forward";
    case Pass::BackwardData: return "backward_data";
    case Pass::BackwardWeight: return "backward_weight";
  }
  return "?";
}

}  // namespace lucid::bench
