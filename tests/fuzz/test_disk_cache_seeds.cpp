// The disk-cache fuzz seeds still mean what corpus/README.md says. Random bytes cannot forge
// the file checksum, so the fuzzer reaches the object checks only through seeds with a
// right header: when the cache format, the checksum or the symbol names change, this fails
// and the seeds must be rewritten (as they were for format version 2).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bundle_kernels.h"
#include "disk_cache.h"
#include "kernel_compiler.h"

namespace fs = std::filesystem;
using lucid::jit::DiskCache;

namespace {

constexpr const char* kIdentity = "lucid-jit fuzz identity";  // as fuzz_disk_cache.cpp

// Loads seed `name` (its first byte, the fuzz mode, dropped) through a DiskCache.
DiskCache::Lookup load_seed(const std::string& name, std::vector<char>& payload) {
  std::ifstream in(fs::path(LUCID_FUZZ_CORPUS) / "disk_cache" / name, std::ios::binary);
  REQUIRE(in);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!bytes.empty());
  const fs::path dir = fs::temp_directory_path() / ("lucid-seed-check-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "entry.o", std::ios::binary).write(bytes.data() + 1, static_cast<std::streamsize>(bytes.size() - 1));
  const DiskCache::Lookup result = DiskCache(dir.string()).load("entry.o", kIdentity, payload);
  fs::remove_all(dir);
  return result;
}

std::string seed_prefix() {
  return lucid::jit::symbol_prefix(
      lucid::ConvSpec::parse("ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)"), lucid::Schedule{});
}

}  // namespace

TEST_CASE("the valid seeds pass every check the fuzzer is meant to reach past") {
  for (const char* name : {"file_valid", "file_two_objects"}) {
    CAPTURE(name);
    std::vector<char> payload;
    REQUIRE(load_seed(name, payload) == DiskCache::Lookup::Hit);
    CHECK(lucid::jit::bundle_defines_kernels(payload, seed_prefix()));
  }
}

TEST_CASE("seeds with a right header and a wrong object load, and fail the object check") {
  for (const char* name : {"file_foreign_symbols", "file_not_an_object"}) {
    CAPTURE(name);
    std::vector<char> payload;
    REQUIRE(load_seed(name, payload) == DiskCache::Lookup::Hit);
    CHECK_FALSE(lucid::jit::bundle_defines_kernels(payload, seed_prefix()));
  }
}

TEST_CASE("seeds with a broken header are rejected by it") {
  for (const char* name : {"file_bad_checksum", "file_truncated", "file_wrong_identity", "file_wrong_magic",
                           "file_huge_sizes", "file_version1", "file_empty"}) {
    CAPTURE(name);
    std::vector<char> payload;
    CHECK(load_seed(name, payload) == DiskCache::Lookup::Rejected);
  }
}
