// c_header: the self-contained C header of one AOT kernel set (C99 and C++, <stdint.h> only).
// It documents the layer, the shapes, the output length formula, the ABI and the status codes.
#pragma once

#include <string>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"

namespace lucid_aot {

// What the header says about each target's object.
struct HeaderTarget {
  std::string name;      // as given to --target
  std::string cpu;       // LLVM CPU name it resolved to
  std::string schedule;  // Schedule::key()
};

// `schedule` fixes the range entry points' work-item counts (equal for every target).
// `dispatcher`: several targets behind PREFIX.dispatch.o (adds PREFIX_selected_target).
std::string c_header(const lucid::ConvSpec& spec, const std::string& prefix,
                     const lucid::Schedule& schedule, const std::vector<HeaderTarget>& targets,
                     bool dispatcher);

}  // namespace lucid_aot
