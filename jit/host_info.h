// HostInfo: the machine facts a tiled loop nest is sized from (issue 12): the data cache sizes
// of the host and the vector register file of the ISA the JIT targets. No LLVM types here, so
// the bench and the tests read it without LLVM headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lucid {
struct ConvSpec;
struct Schedule;
}  // namespace lucid

namespace lucid::jit {

struct Target;

// Per-core data cache sizes in bytes and where they came from. L3 is the whole cache as the
// source reports it: a VM's CPUID may give the socket's total rather than the core's slice.
struct CacheSizes {
  int64_t l1d_bytes = 0;
  int64_t l2_bytes = 0;
  int64_t l3_bytes = 0;  // host_cache_sizes() fills a level no source reports with a default
  std::string source;    // "sysfs", "cpuid" or "default"
};

struct HostInfo {
  CacheSizes caches;
  int vector_bits = 128;     // the JIT target's widest vector
  int vector_registers = 16; // architectural vector registers at that width
  int hardware_threads = 1;  // std::thread::hardware_concurrency(): what a call may split over
  int fp32_lanes() const { return vector_bits / 32; }
  int fp64_lanes() const { return vector_bits / 64; }
};

// Reads cache sizes from a Linux sysfs cache folder laid out as
// /sys/devices/system/cpu/cpu0/cache (index*/level, type, size such as "48K"). Empty when
// the folder is missing or lists no data cache.
std::optional<CacheSizes> read_sysfs_cache_sizes(const std::string& cache_dir);

// Reads cache sizes with CPUID (leaf 4 on Intel; 0x8000001D on AMD, else its older leaves
// 0x80000005/6). Empty on non-x86
// hosts or when the CPU does not describe its caches that way.
std::optional<CacheSizes> read_cpuid_cache_sizes();

// sysfs, else CPUID, else defaults of a current x86 server core (48 KiB, 1 MiB, 32 MiB);
// a level one source does not report is taken from the next.
CacheSizes host_cache_sizes();

// Vector registers the ISA of target has at its widest vector: 32 with AVX-512, 16 with
// AVX/AVX2 and x86-64's SSE.
int vector_registers_of(const Target& target);

// The host's caches with the vector registers of target (the host by default); the caches
// are read once per process, and host_info() is computed once.
HostInfo host_info();
HostInfo host_info_for(const Target& target);

// Schedule::default_for with these facts (vector width and registers, threads, L1d, L2): the
// JIT's default schedule, and lucid-aot's and the compile profile's for each target.
Schedule default_schedule(const ConvSpec& spec, const HostInfo& info);

// One line for logs and bench context, e.g. "L1d 48 KiB, L2 1024 KiB, L3 32768 KiB (sysfs);
// 32 x 512-bit vector registers".
std::string describe(const HostInfo& info);

}  // namespace lucid::jit
