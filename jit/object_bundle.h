// ObjectBundle: several relocatable objects in one byte string, so one disk-cache entry can
// hold a kernel set whose passes were compiled as separate modules on separate threads.
//   "LUCIDOBJS\n" | u64 count | (u64 size | object bytes) * count     (little-endian)
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace lucid::jit {

std::vector<char> bundle_objects(const std::vector<std::vector<char>>& objects);

// The objects of a bundle (views into `bundle`), or nothing when it is malformed.
std::optional<std::vector<std::string_view>> split_bundle(const std::vector<char>& bundle);

}  // namespace lucid::jit
