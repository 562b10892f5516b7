// Fuzz target: the disk-cache object loader (jit/disk_cache.cpp, jit/object_bundle.cpp,
// jit/bundle_kernels.cpp). A cache file of arbitrary bytes must be rejected cleanly, never
// crash, and LLVM's object reader (not hardened against hostile input) must see only bytes
// that passed the file's own checks. The first input byte picks what the rest is:
//   even: a whole cache file. The engine's sequence runs on it: DiskCache::load (magic,
//         identity, sizes, checksum), then, on a hit, bundle_defines_kernels. Random bytes
//         cannot forge the checksum, so only seeds made with a right header get past it.
//   odd:  the payload of a file whose header is right (written by DiskCache::store), so the
//         bundle layout checks of split_bundle are fuzzed too. It stops there: bytes that pass
//         the checksum were written by a lucid-jit build, or crafted, and a crafted cache file
//         is machine code the process would run anyway; LLVM's reader is no trust boundary.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bundle_kernels.h"
#include "disk_cache.h"
#include "fuzz_file.h"
#include "kernel_compiler.h"
#include "object_bundle.h"

namespace {

// The identity and the layer (default Schedule{}) the seed files were made for
// (tests/fuzz/corpus/README.md).
constexpr const char* kIdentity = "lucid-jit fuzz identity";
const std::string& seed_prefix() {
  static const std::string prefix = lucid::jit::symbol_prefix(
      lucid::ConvSpec::parse("ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)"),
      lucid::Schedule{});
  return prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const lucid::jit::DiskCache cache(lucid::fuzz::scratch_dir().string());
  std::vector<char> payload;
  if (data[0] % 2 == 0) {
    lucid::fuzz::write_scratch_file("entry.o", data + 1, size - 1);
    if (cache.load("entry.o", kIdentity, payload) != lucid::jit::DiskCache::Lookup::Hit) return 0;
    (void)lucid::jit::bundle_defines_kernels(payload, seed_prefix());
    return 0;
  }
  const std::vector<char> written(data + 1, data + size);
  if (!cache.store("entry.o", kIdentity, written)) std::abort();  // the harness's own failure
  if (cache.load("entry.o", kIdentity, payload) != lucid::jit::DiskCache::Lookup::Hit || payload != written)
    std::abort();  // a file store() wrote must load back whole
  const auto objects = lucid::jit::split_bundle(payload);
  if (!objects) return 0;
  // The views must lie inside the payload, one after another.
  const char* cursor = payload.data();
  for (std::string_view object : *objects) {
    if (object.data() < cursor || object.data() + object.size() > payload.data() + payload.size()) std::abort();
    cursor = object.data() + object.size();
  }
  return 0;
}
