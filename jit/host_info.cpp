// HostInfo: cache sizes from sysfs or CPUID, register counts from the target's features.
// Virtual machines often hide /sys/.../cache (this project's VM does), so CPUID is a real
// path, not a formality; values outside plausible bounds are treated as unreported, since a
// hypervisor can pass on nonsense and a tile sized from it would be worse than a default.
#include "host_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/schedule.h"
#include "target.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LUCID_HAVE_CPUID 1
#endif

namespace lucid::jit {

namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;

// Defaults of a current x86 server core (Zen 4/5, Sapphire Rapids are within 2x of each).
constexpr int64_t kDefaultL1d = 48 * kKiB;
constexpr int64_t kDefaultL2 = 1 * kMiB;
constexpr int64_t kDefaultL3 = 32 * kMiB;

bool plausible_l1d(int64_t b) { return b >= 4 * kKiB && b <= 4 * kMiB; }
bool plausible_l2(int64_t b) { return b >= 64 * kKiB && b <= 256 * kMiB; }
bool plausible_l3(int64_t b) { return b >= 256 * kKiB && b <= 4096 * kMiB; }

// Drops the levels outside their bounds; empty if no level is left.
std::optional<CacheSizes> keep_plausible(CacheSizes c) {
  if (!plausible_l1d(c.l1d_bytes)) c.l1d_bytes = 0;
  if (!plausible_l2(c.l2_bytes)) c.l2_bytes = 0;
  if (!plausible_l3(c.l3_bytes)) c.l3_bytes = 0;
  if (c.l1d_bytes == 0 && c.l2_bytes == 0 && c.l3_bytes == 0) return std::nullopt;
  return c;
}

std::string read_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

// "48K", "1024K", "32M" or a plain byte count; 0 if unreadable.
int64_t parse_size(const std::string& text) {
  std::size_t end = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &end);
  } catch (const std::exception&) {
    return 0;
  }
  if (end == text.size()) return value;
  switch (std::toupper(static_cast<unsigned char>(text[end]))) {
    case 'K': return value * kKiB;
    case 'M': return value * kMiB;
    case 'G': return value * 1024 * kMiB;
  }
  return 0;
}

// Puts one described cache into c: level 1 data, level 2 and 3 data or unified.
void record(CacheSizes& c, int level, bool data, bool unified, int64_t bytes) {
  if (level == 1 && data) c.l1d_bytes = bytes;
  if (level == 2 && (data || unified)) c.l2_bytes = bytes;
  if (level == 3 && (data || unified)) c.l3_bytes = bytes;
}

#ifdef LUCID_HAVE_CPUID
// Walks the deterministic cache parameters of `leaf` (4 or 0x8000001D share the layout):
// EAX[4:0] type (0 ends the list, 1 data, 3 unified), EAX[7:5] level, EBX ways, partitions
// and line size, ECX sets, each stored minus one.
CacheSizes walk_cache_leaf(unsigned leaf) {
  CacheSizes c;
  for (unsigned sub = 0; sub < 16; ++sub) {
    unsigned eax, ebx, ecx, edx;
    __cpuid_count(leaf, sub, eax, ebx, ecx, edx);
    const unsigned type = eax & 0x1f;
    if (type == 0) break;
    const int level = static_cast<int>((eax >> 5) & 0x7);
    const int64_t ways = ((ebx >> 22) & 0x3ff) + 1;
    const int64_t partitions = ((ebx >> 12) & 0x3ff) + 1;
    const int64_t line = (ebx & 0xfff) + 1;
    const int64_t sets = static_cast<int64_t>(ecx) + 1;
    record(c, level, type == 1, type == 3, ways * partitions * line * sets);
  }
  return c;
}
#endif

}  // namespace

std::optional<CacheSizes> read_sysfs_cache_sizes(const std::string& cache_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(cache_dir, ec)) return std::nullopt;
  CacheSizes c;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("index", 0) != 0) continue;
    const std::string level = read_line(entry.path() / "level");
    const std::string type = read_line(entry.path() / "type");
    const int64_t bytes = parse_size(read_line(entry.path() / "size"));
    if (level.empty() || bytes <= 0) continue;
    record(c, std::atoi(level.c_str()), type == "Data", type == "Unified", bytes);
  }
  auto kept = keep_plausible(c);
  if (kept) kept->source = "sysfs";
  return kept;
}

std::optional<CacheSizes> read_cpuid_cache_sizes() {
#ifdef LUCID_HAVE_CPUID
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return std::nullopt;
  const unsigned max_leaf = eax;
  // The vendor string is EBX, EDX, ECX: "AuthenticAMD" / "HygonGenuine" use the extended leaf.
  const bool amd = ebx == 0x68747541 /* "Auth" */ || ebx == 0x6f677948 /* "Hygo" */;
  CacheSizes c;
  if (amd) {
    const unsigned max_ext = __get_cpuid_max(0x80000000, nullptr);
    if (max_ext < 0x8000001D) return std::nullopt;
    __cpuid(0x80000001, eax, ebx, ecx, edx);
    if (ecx & (1u << 22)) c = walk_cache_leaf(0x8000001D);  // TOPOEXT: the leaf is valid
    // Hypervisors may set TOPOEXT yet leave 0x8000001D empty (this project's VM does); the
    // older leaves give L1d (0x80000005 ECX[31:24] KiB), L2 (0x80000006 ECX[31:16] KiB) and
    // L3 (EDX[31:18] in 512 KiB units).
    if (c.l1d_bytes == 0 && c.l2_bytes == 0 && c.l3_bytes == 0 && max_ext >= 0x80000006) {
      __cpuid(0x80000005, eax, ebx, ecx, edx);
      c.l1d_bytes = static_cast<int64_t>(ecx >> 24) * kKiB;
      __cpuid(0x80000006, eax, ebx, ecx, edx);
      c.l2_bytes = static_cast<int64_t>(ecx >> 16) * kKiB;
      c.l3_bytes = static_cast<int64_t>(edx >> 18) * 512 * kKiB;
    }
  } else {
    if (max_leaf < 4) return std::nullopt;
    c = walk_cache_leaf(4);
  }
  auto kept = keep_plausible(c);
  if (kept) kept->source = "cpuid";
  return kept;
#else
  return std::nullopt;
#endif
}

CacheSizes host_cache_sizes() {
  const std::vector<std::optional<CacheSizes>> sources = {
      read_sysfs_cache_sizes("/sys/devices/system/cpu/cpu0/cache"), read_cpuid_cache_sizes(),
      CacheSizes{kDefaultL1d, kDefaultL2, kDefaultL3, "default"}};
  CacheSizes merged;
  std::vector<std::string> used;
  auto take = [&](int64_t CacheSizes::*field, const CacheSizes& from) {
    if (merged.*field != 0 || from.*field == 0) return;
    merged.*field = from.*field;
    if (used.empty() || used.back() != from.source) used.push_back(from.source);
  };
  for (const auto& s : sources) {
    if (!s) continue;
    take(&CacheSizes::l1d_bytes, *s);
    take(&CacheSizes::l2_bytes, *s);
    take(&CacheSizes::l3_bytes, *s);
  }
  for (const auto& u : used) merged.source += (merged.source.empty() ? "" : "+") + u;
  return merged;
}

int vector_registers_of(const Target& target) {
  // AVX-512 doubles the register file (zmm0-31) along with the width; every narrower x86-64
  // level has 16 (xmm/ymm0-15). Other architectures: AArch64's NEON and SVE have 32.
  if (target.vector_bits >= 512) return 32;
  if (target.triple.rfind("aarch64", 0) == 0 || target.triple.rfind("arm64", 0) == 0) return 32;
  return 16;
}

HostInfo host_info_for(const Target& target) {
  // The caches are the machine's whatever the target: read once per process (lucid-aot asks
  // once per target and layer).
  static const CacheSizes caches = host_cache_sizes();
  HostInfo info;
  info.caches = caches;
  info.vector_bits = target.vector_bits;
  info.vector_registers = vector_registers_of(target);
  info.hardware_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return info;
}

HostInfo host_info() {
  static const HostInfo info = host_info_for(host_target());
  return info;
}

Schedule default_schedule(const ConvSpec& spec, const HostInfo& info) {
  return Schedule::default_for(spec, info.vector_bits, info.vector_registers, info.hardware_threads,
                               info.caches.l1d_bytes, info.caches.l2_bytes);
}

std::string describe(const HostInfo& info) {
  const CacheSizes& c = info.caches;
  return fmt::format("L1d {} KiB, L2 {} KiB, L3 {} KiB ({}); {} x {}-bit vector registers",
                     c.l1d_bytes / kKiB, c.l2_bytes / kKiB, c.l3_bytes / kKiB, c.source,
                     info.vector_registers, info.vector_bits);
}

}  // namespace lucid::jit
