// bundle_defines_kernels: the last check on a disk-cache entry before it is linked. The
// engine calls it after DiskCache::load has checked the file's magic, identity, sizes and
// checksum, so LLVM's object reader (not hardened against hostile input) only ever sees
// bytes this library wrote; it is its own function so the disk-cache fuzz target can run the
// engine's exact sequence.
#pragma once

#include <string>
#include <vector>

namespace lucid::jit {

// True when `bundle` is a well-formed object bundle whose objects define the four kernel
// symbols of `prefix`: a file that passed the checksum but came from elsewhere never reaches
// the linker.
bool bundle_defines_kernels(const std::vector<char>& bundle, const std::string& prefix);

}  // namespace lucid::jit
