// ObjectBundle: packing and checked unpacking (a bundle may come from a damaged cache file).
#include "object_bundle.h"

#include <cstdint>
#include <cstring>

namespace lucid::jit {

namespace {

constexpr char kMagic[] = "LUCIDOBJS\n";
constexpr std::size_t kMagicSize = sizeof(kMagic) - 1;

void put_u64(std::vector<char>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool get_u64(const std::vector<char>& in, std::size_t& pos, std::uint64_t& v) {
  if (in.size() < 8 || pos > in.size() - 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  pos += 8;
  return true;
}

}  // namespace

std::vector<char> bundle_objects(const std::vector<std::vector<char>>& objects) {
  std::vector<char> out(kMagic, kMagic + kMagicSize);
  put_u64(out, objects.size());
  for (const auto& object : objects) {
    put_u64(out, object.size());
    out.insert(out.end(), object.begin(), object.end());
  }
  return out;
}

std::optional<std::vector<std::string_view>> split_bundle(const std::vector<char>& bundle) {
  if (bundle.size() < kMagicSize || std::memcmp(bundle.data(), kMagic, kMagicSize) != 0) return std::nullopt;
  std::size_t pos = kMagicSize;
  std::uint64_t count = 0;
  if (!get_u64(bundle, pos, count) || count > 64) return std::nullopt;
  std::vector<std::string_view> objects;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t size = 0;
    if (!get_u64(bundle, pos, size) || size > bundle.size() - pos) return std::nullopt;
    objects.emplace_back(bundle.data() + pos, size);
    pos += size;
  }
  if (pos != bundle.size()) return std::nullopt;
  return objects;
}

}  // namespace lucid::jit
