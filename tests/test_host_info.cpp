// HostInfo: the cache sizes and register counts the tiling will be sized from are positive,
// plausible, agree with sysfs when the host has it, and the sysfs reader parses a made-up
// cache folder as Linux lays it out. Correctness only; nothing is timed.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "host_info.h"
#include "target.h"

namespace fs = std::filesystem;
using namespace lucid::jit;

namespace {

constexpr int64_t kKiB = 1024;

// A fresh folder under the system temp dir, removed when the test case ends.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("lucid-host-info-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// One index<i> folder as sysfs has it.
void write_cache_index(const fs::path& dir, int index, const std::string& level,
                       const std::string& type, const std::string& size) {
  const fs::path d = dir / ("index" + std::to_string(index));
  fs::create_directories(d);
  std::ofstream(d / "level") << level << "\n";
  std::ofstream(d / "type") << type << "\n";
  std::ofstream(d / "size") << size << "\n";
}

}  // namespace

TEST_CASE("the host's cache sizes are positive and ordered") {
  const CacheSizes c = host_cache_sizes();
  CHECK(c.l1d_bytes >= 4 * kKiB);
  CHECK(c.l1d_bytes <= 4096 * kKiB);
  CHECK(c.l2_bytes > c.l1d_bytes);
  CHECK(c.l3_bytes > 0);
  CHECK(!c.source.empty());
  MESSAGE(describe(host_info()));
}

TEST_CASE("the host's cache sizes agree with sysfs when the host has it") {
  const auto sysfs = read_sysfs_cache_sizes("/sys/devices/system/cpu/cpu0/cache");
  if (!sysfs) {
    MESSAGE("no sysfs cache folder on this host; the CPUID path and defaults are used");
    return;
  }
  const CacheSizes c = host_cache_sizes();
  if (sysfs->l1d_bytes) CHECK(c.l1d_bytes == sysfs->l1d_bytes);
  if (sysfs->l2_bytes) CHECK(c.l2_bytes == sysfs->l2_bytes);
  if (sysfs->l3_bytes) CHECK(c.l3_bytes == sysfs->l3_bytes);
  CHECK(c.source.rfind("sysfs", 0) == 0);
}

TEST_CASE("CPUID, when it describes the caches, gives plausible sizes") {
  const auto cpuid = read_cpuid_cache_sizes();
  if (!cpuid) {
    MESSAGE("CPUID does not describe the caches here");
    return;
  }
  CHECK(cpuid->source == "cpuid");
  if (cpuid->l1d_bytes && cpuid->l2_bytes) CHECK(cpuid->l2_bytes > cpuid->l1d_bytes);
}

TEST_CASE("the sysfs reader takes L1 data, L2 and L3 and skips the instruction cache") {
  TempDir dir;
  write_cache_index(dir.path, 0, "1", "Data", "48K");
  write_cache_index(dir.path, 1, "1", "Instruction", "32K");
  write_cache_index(dir.path, 2, "2", "Unified", "1024K");
  write_cache_index(dir.path, 3, "3", "Unified", "32M");
  const auto c = read_sysfs_cache_sizes(dir.path.string());
  REQUIRE(c);
  CHECK(c->l1d_bytes == 48 * kKiB);
  CHECK(c->l2_bytes == 1024 * kKiB);
  CHECK(c->l3_bytes == 32 * 1024 * kKiB);
  CHECK(c->source == "sysfs");
}

TEST_CASE("the sysfs reader gives nothing for a missing or empty folder or nonsense sizes") {
  TempDir dir;
  CHECK_FALSE(read_sysfs_cache_sizes((dir.path / "missing").string()));
  CHECK_FALSE(read_sysfs_cache_sizes(dir.path.string()));
  write_cache_index(dir.path, 0, "1", "Data", "3");  // 3 bytes: not a real L1
  write_cache_index(dir.path, 1, "2", "Unified", "lots");
  CHECK_FALSE(read_sysfs_cache_sizes(dir.path.string()));
}

TEST_CASE("vector registers follow the target's widest vector") {
  Target t;
  t.triple = "x86_64-pc-linux-gnu";
  t.vector_bits = 512;
  CHECK(vector_registers_of(t) == 32);
  t.vector_bits = 256;
  CHECK(vector_registers_of(t) == 16);
  t.vector_bits = 128;
  CHECK(vector_registers_of(t) == 16);

  const HostInfo host = host_info();
  CHECK(host.vector_bits == host_target().vector_bits);
  CHECK(host.vector_registers == vector_registers_of(host_target()));
  CHECK(host.fp32_lanes() * 32 == host.vector_bits);
  CHECK(host.fp64_lanes() >= 2);
}
