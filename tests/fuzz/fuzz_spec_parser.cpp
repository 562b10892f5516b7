// Fuzz target: ConvSpec::parse (ir/conv_spec_parser.cpp) on arbitrary text. Bad text must end
// in lucid::Error (any other exception or a crash is a bug); text that parses must round-trip:
// to_string() parses back to an equal spec with the same key, and the derived sizes a layer
// computes from a spec stay defined (UBSan checks the arithmetic).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "lucid/conv_spec.h"
#include "lucid/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lucid::ConvSpec spec;
  try {
    spec = lucid::ConvSpec::parse(text);
  } catch (const lucid::Error&) {
    return 0;  // rejected with a message: the expected outcome for most inputs
  }
  const lucid::ConvSpec again = lucid::ConvSpec::parse(spec.to_string());
  if (!(again == spec) || again.key() != spec.key()) {
    std::fprintf(stderr, "round trip changed the spec: %s -> %s\n", spec.key().c_str(), again.key().c_str());
    std::abort();
  }
  // What a layer derives from the spec alone, and output lengths at the extremes.
  (void)spec.weight_numel();
  (void)spec.flops(1, 1);
  for (int64_t length : {int64_t{1}, int64_t{7}, int64_t{1} << 40, INT64_MAX}) {
    try {
      (void)spec.output_length(length);
    } catch (const lucid::Error&) {
    }
  }
  return 0;
}
