// DiskCache file format (little-endian):
//   "LUCIDJIT\x02\n" | u64 identity size | identity | u64 object size | u64 XXH3-64(object) | object
// Version 2 replaced the FNV-1a checksum with LLVM's xxh3_64bits; a version-1 file is rejected
// by its magic and rebuilt.
#include "disk_cache.h"

#include <llvm/Support/xxhash.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "lucid/error.h"

namespace lucid::jit {

namespace {

constexpr char kMagic[] = "LUCIDJIT\x02\n";
constexpr std::size_t kMagicSize = sizeof(kMagic) - 1;

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool get_u64(const std::string& in, std::size_t& pos, std::uint64_t& v) {
  if (in.size() < pos + 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  pos += 8;
  return true;
}

}  // namespace

DiskCache::Lookup DiskCache::load(const std::string& file_name, const std::string& identity,
                                  std::vector<char>& object) const {
  std::ifstream in(path(file_name), std::ios::binary);
  if (!in) return Lookup::Missing;
  std::string bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::bad_alloc&) {
    std::error_code ec;
    throw OutOfMemory(fmt::format("kernel cache: cannot allocate {} bytes to read {}",
                                  std::filesystem::file_size(path(file_name), ec), path(file_name)));
  }
  std::size_t pos = kMagicSize;
  std::uint64_t identity_size = 0, object_size = 0, checksum = 0;
  if (bytes.size() < kMagicSize || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) return Lookup::Rejected;
  if (!get_u64(bytes, pos, identity_size) || bytes.size() - pos < identity_size) return Lookup::Rejected;
  if (bytes.compare(pos, identity_size, identity) != 0 || identity_size != identity.size()) return Lookup::Rejected;
  pos += identity_size;
  if (!get_u64(bytes, pos, object_size) || !get_u64(bytes, pos, checksum)) return Lookup::Rejected;
  if (bytes.size() - pos != object_size) return Lookup::Rejected;
  if (llvm::xxh3_64bits(llvm::StringRef(bytes.data() + pos, object_size)) != checksum) return Lookup::Rejected;
  object.assign(bytes.begin() + static_cast<long>(pos), bytes.end());
  return Lookup::Hit;
}

bool DiskCache::store(const std::string& file_name, const std::string& identity,
                      const std::vector<char>& object, std::string* problem) const {
  auto fail = [&](const std::string& why) {
    if (problem) *problem = why;
    return false;
  };
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return fail("cannot create the directory: " + ec.message());
  std::string header(kMagic, kMagicSize);
  put_u64(header, identity.size());
  header += identity;
  put_u64(header, object.size());
  put_u64(header, llvm::xxh3_64bits(llvm::StringRef(object.data(), object.size())));

  std::random_device rd;
  std::string temp = path(file_name) + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  {
    errno = 0;
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return fail("cannot create " + temp + ": " + std::strerror(errno));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(object.data(), static_cast<std::streamsize>(object.size()));
    out.flush();
    if (out) out.close();  // a full disk may only show when the last buffer is written
    if (!out) {
      const std::string why = "cannot write " + temp + ": " + std::strerror(errno);
      std::filesystem::remove(temp, ec);
      return fail(why);
    }
  }
  std::filesystem::rename(temp, path(file_name), ec);
  if (ec) {
    const std::string why = "cannot rename " + temp + ": " + ec.message();
    std::filesystem::remove(temp, ec);
    return fail(why);
  }
  return true;
}

}  // namespace lucid::jit
