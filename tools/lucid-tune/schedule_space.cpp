// ScheduleSpace: knob grids per pass, the register-file bound, and nearest-first ordering.
#include "schedule_space.h"

#include "lucid/integer_division.h"
#include "lucid/work_items.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace lucid::tune {

namespace {

// The forward's channel chunk as a count (0 means the whole group).
int64_t forward_chunk(const Schedule& s, const ConvSpec& spec) {
  return s.fwd_ci_chunk > 0 ? s.fwd_ci_chunk : spec.in_per_group();
}

// Distance of a candidate from base in "doublings", summed over knobs: 4 -> 8 is one step.
double distance(const Schedule& a, const Schedule& b, const ConvSpec& spec) {
  auto d = [](int64_t x, int64_t y) { return std::fabs(std::log2(static_cast<double>(x) / static_cast<double>(y))); };
  return d(a.fwd_block_co, b.fwd_block_co) + d(a.fwd_register_rows(), b.fwd_register_rows()) +
         d(forward_chunk(a, spec), forward_chunk(b, spec)) + d(a.fwd_block_t, b.fwd_block_t) +
         d(a.fwd_phase_chunk, b.fwd_phase_chunk) + d(a.bwd_data_block_ci, b.bwd_data_block_ci) +
         d(a.bwd_data_block_t, b.bwd_data_block_t) + d(a.bwd_weight_block_ci, b.bwd_weight_block_ci) +
         d(a.bwd_weight_block_co, b.bwd_weight_block_co) + d(a.bwd_weight_block_taps, b.bwd_weight_block_taps) +
         d(a.bwd_weight_register_rows(), b.bwd_weight_register_rows()) +
         d(a.bwd_weight_length_tile + 1, b.bwd_weight_length_tile + 1) +
         d(forward_length_tiles(a), forward_length_tiles(b)) +
         (a.fwd_lanes != b.fwd_lanes) + (a.bwd_data_lanes != b.bwd_data_lanes) +
         (a.bwd_weight_lanes != b.bwd_weight_lanes);
}

}  // namespace

ScheduleSpace::ScheduleSpace(const ConvSpec& spec, int host_vector_bits, int vector_registers) : spec_(spec) {
  native_lanes_ = std::max(1, host_vector_bits / (8 * static_cast<int>(dtype_size(spec.dtype))));
  vector_registers_ = std::max(8, vector_registers);
}

std::vector<int> ScheduleSpace::vector_widths() const {
  std::vector<int> widths = {native_lanes_};
  if (native_lanes_ / 2 >= 1) widths.push_back(native_lanes_ / 2);
  if (native_lanes_ * 2 <= 16) widths.push_back(native_lanes_ * 2);
  return widths;
}

int ScheduleSpace::registers_per_vector(int vector_width) const {
  return std::max(1, static_cast<int>(lucid::ceil_div(vector_width, native_lanes_)));
}

bool ScheduleSpace::fits_registers(const Schedule& s, bench::Pass pass) const {
  // Two registers stay free for the broadcast weight and the streamed input.
  const int budget = vector_registers_ - 2;
  const int r = registers_per_vector(s.vector_width);
  switch (pass) {
    case bench::Pass::Forward:
      if (s.fwd_lanes == Lanes::Channels) return s.fwd_block_t * r <= budget;
      return s.fwd_register_rows() * s.fwd_block_t * s.fwd_phase_chunk * r <= budget;
    case bench::Pass::BackwardData:
      // Channels in lanes size their register block from bwd_data_block_t themselves.
      if (s.bwd_data_lanes == Lanes::Channels) return s.bwd_data_block_t * r <= budget;
      return s.bwd_data_block_ci * s.bwd_data_block_t * r <= budget;
    case bench::Pass::BackwardWeight:
      if (s.bwd_weight_lanes == Lanes::Channels) return s.bwd_weight_block_taps * r <= budget;
      if (s.bwd_weight_lanes == Lanes::Taps)
        return s.bwd_weight_register_rows() * s.bwd_weight_block_co * s.bwd_weight_block_taps * r <= budget;
      return s.bwd_weight_block_co * s.bwd_weight_block_taps * r <= budget;
  }
  return false;
}

void ScheduleSpace::copy_pass_knobs(const Schedule& from, bench::Pass pass, Schedule& to) {
  switch (pass) {
    case bench::Pass::Forward:
      to.fwd_block_co = from.fwd_block_co;
      to.fwd_block_t = from.fwd_block_t;
      to.fwd_phase_chunk = from.fwd_phase_chunk;
      to.fwd_lanes = from.fwd_lanes;
      to.fwd_register_co = from.fwd_register_co;
      to.fwd_ci_chunk = from.fwd_ci_chunk;
      to.fwd_length_tiles = from.fwd_length_tiles;
      break;
    case bench::Pass::BackwardData:
      to.bwd_data_block_ci = from.bwd_data_block_ci;
      to.bwd_data_block_t = from.bwd_data_block_t;
      to.bwd_data_lanes = from.bwd_data_lanes;
      break;
    case bench::Pass::BackwardWeight:
      to.bwd_weight_block_ci = from.bwd_weight_block_ci;
      to.bwd_weight_block_co = from.bwd_weight_block_co;
      to.bwd_weight_block_taps = from.bwd_weight_block_taps;
      to.bwd_weight_lanes = from.bwd_weight_lanes;
      to.bwd_weight_register_ci = from.bwd_weight_register_ci;
      to.bwd_weight_length_tile = from.bwd_weight_length_tile;
      break;
  }
}

std::vector<Schedule> ScheduleSpace::candidates(const Schedule& base_in, bench::Pass pass) const {
  const Schedule base = base_in.normalized_for(spec_);
  std::vector<Schedule> out = {base};
  std::set<std::string> seen = {base.key()};
  auto consider = [&](Schedule s) {
    s = s.normalized_for(spec_);
    if (!fits_registers(s, pass) || !seen.insert(s.key()).second) return;
    out.push_back(s);
  };
  const int blocks[] = {1, 2, 3, 4, 6, 8, 12};
  switch (pass) {
    case bench::Pass::Forward:
      // Register blocks of co rows, items of 1 to 8 of them (sharing each x window copy).
      for (int co : blocks)
        for (int t : {1, 2, 3, 4, 6})
          for (int phases : {1, 2, 4, 8})
            for (int per_item : {1, 2, 4, 8}) {
              if (co * per_item > Schedule::kMaxForwardBlockRows) continue;
              Schedule s = base;
              s.fwd_block_co = co * per_item;
              s.fwd_register_co = co;
              s.fwd_block_t = t;
              s.fwd_phase_chunk = phases;
              s.fwd_lanes = Lanes::Length;
              consider(s);
            }
      // Channel chunks around the host's L1 rule (base), and none.
      if (base.fwd_lanes == Lanes::Length)
        for (int chunk : {0, 16, 32, 64, 128}) {
          Schedule s = base;
          s.fwd_ci_chunk = chunk;
          consider(s);
        }
      // Length tiles with the base's rows, and with items of 32 and of the most rows.
      if (base.fwd_lanes == Lanes::Length)
        for (int tiles : {0, 2, 4})
          for (int rows : {base.fwd_block_co, Schedule::kMaxBlockRows, Schedule::kMaxForwardBlockRows}) {
            Schedule s = base;
            s.fwd_length_tiles = tiles;
            s.fwd_block_co = rows;
            consider(s);
          }
      // Output channels in lanes: items of one to four channel vectors (the lowering fits
      // as many per register block as the accumulators hold), positions per block.
      for (int co : {8, 16, 32})
        for (int t : {3, 4, 6, 12}) {
          Schedule s = base;
          s.fwd_lanes = Lanes::Channels;
          s.fwd_block_co = co;
          s.fwd_block_t = t;
          consider(s);
        }
      break;
    case bench::Pass::BackwardData:
      // normalized_for drops taps-in-lanes when K < width.
      for (Lanes lanes : {Lanes::Length, Lanes::Taps})
        for (int ci : blocks)
          for (int t : {1, 2, 3, 4}) {
            Schedule s = base;
            s.bwd_data_block_ci = ci;
            s.bwd_data_block_t = t;
            s.bwd_data_lanes = lanes;
            consider(s);
          }
      // Channels in lanes: items of one or two vectors of channels (for any width), positions
      // per register block.
      for (int ci : {8, 16, 32})
        for (int t : {3, 4, 6, 8, 10, 12}) {
          Schedule s = base;
          s.bwd_data_block_ci = ci;
          s.bwd_data_block_t = t;
          s.bwd_data_lanes = Lanes::Channels;
          consider(s);
        }
      break;
    case bench::Pass::BackwardWeight:
      for (int ci : {1, 2, 4})
        for (int co : {1, 2, 4})
          for (int taps : {1, 2, 3, 4, 6, 8})
            for (Lanes lanes : {Lanes::Length, Lanes::Taps})  // with taps in lanes, `taps` counts tap vectors
              for (int per_item : {1, 8}) {  // taps in lanes: items of several register blocks
                if (per_item > 1 && lanes != Lanes::Taps) continue;
                Schedule s = base;
                s.bwd_weight_block_ci = ci * per_item;
                s.bwd_weight_register_ci = ci;
                s.bwd_weight_block_co = co;
                s.bwd_weight_block_taps = taps;
                s.bwd_weight_lanes = lanes;
                consider(s);
              }
      // Length tiles (taps in lanes) around the base's blocks.
      if (base.bwd_weight_lanes == Lanes::Taps)
        for (int tile : {0, 64, 256, 1024}) {
          Schedule s = base;
          s.bwd_weight_length_tile = tile;
          consider(s);
        }
      // Channels in lanes: items of one or two vectors of channels, (co, tap) pairs per block.
      // Blocks of whole output channels too (1 to 3 of them), which read fewer grad_y rows;
      // normalized_for clamps blocks past 12 pairs to 12, which consider() then drops as seen.
      const int K = static_cast<int>(std::min<int64_t>(spec_.kernel_size, 12));
      for (int ci : {8, 16, 32})
        for (int pairs : {3, 4, 6, 8, 10, 12, K, 2 * K, 3 * K}) {
          Schedule s = base;
          s.bwd_weight_block_ci = ci;
          s.bwd_weight_block_taps = pairs;
          s.bwd_weight_lanes = Lanes::Channels;
          consider(s);
        }
      break;
  }
  std::stable_sort(out.begin() + 1, out.end(), [&](const Schedule& a, const Schedule& b) {
    return distance(a, base, spec_) < distance(b, base, spec_);
  });
  return out;
}

}  // namespace lucid::tune
