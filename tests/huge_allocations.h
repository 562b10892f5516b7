// Whether a terabyte allocation in this build fails and returns (plain builds), or aborts the
// process (AddressSanitizer, unless ASAN_OPTIONS has allocator_may_return_null=1): tests of
// out-of-memory messages run only where the allocation can fail gracefully.
#pragma once

#include <cstdlib>
#include <cstring>

namespace lucid::testing {

inline bool huge_allocations_return() {
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr bool asan = true;
#else
  constexpr bool asan = false;
#endif
#else
  constexpr bool asan = false;
#endif
  if (!asan) return true;
  const char* options = std::getenv("ASAN_OPTIONS");
  return options != nullptr && std::strstr(options, "allocator_may_return_null=1") != nullptr;
}

}  // namespace lucid::testing
