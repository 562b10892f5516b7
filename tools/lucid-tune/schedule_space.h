// ScheduleSpace: the schedules lucid-tune tries for one spec. Each pass has its own knobs
// (what its lanes hold, and forward: channel block, time block, phase chunk; backward-data:
// channel and time blocks; backward-weight: channel rows, channel block, tap chunk or (co, tap)
// pairs), so they are searched pass by pass
// for each vector width; candidates whose accumulators would not fit the vector register file
// are left out, and the rest come nearest-to-the-default first so a small budget still
// covers the likeliest winners.
#pragma once

#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"
#include "pass.h"

namespace lucid::tune {

class ScheduleSpace {
 public:
  // host_vector_bits: 512 with AVX-512, 256 with AVX2, else 128 (JitEngine::vector_bits());
  // vector_registers: the ISA's register file at that width (jit::vector_registers_of).
  ScheduleSpace(const ConvSpec& spec, int host_vector_bits, int vector_registers);

  // Vector widths worth trying: the native one first, then half and double it (within 1..16).
  std::vector<int> vector_widths() const;

  // base with pass's knobs replaced by each setting to try (normalised, no duplicates, base's
  // own setting first); every other knob stays as in base.
  std::vector<Schedule> candidates(const Schedule& base, bench::Pass pass) const;

  // Copies pass's knobs (its blocks and what its lanes hold) from `from` into `to`: the
  // search combines one candidate per pass into each schedule it compiles.
  static void copy_pass_knobs(const Schedule& from, bench::Pass pass, Schedule& to);

  // Vector registers one accumulator of `vector_width` lanes occupies.
  int registers_per_vector(int vector_width) const;

 private:
  bool fits_registers(const Schedule& s, bench::Pass pass) const;

  ConvSpec spec_;
  int native_lanes_;     // lanes of one hardware vector register for spec's dtype
  int vector_registers_; // 16 with AVX2, 32 with AVX-512
};

}  // namespace lucid::tune
