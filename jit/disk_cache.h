// DiskCache: compiled kernel objects on disk, written atomically and trusted only after
// their identity (spec, schedule, CPU, LLVM and library versions) and checksum match.
#pragma once

#include <string>
#include <vector>

namespace lucid::jit {

class DiskCache {
 public:
  explicit DiskCache(std::string directory) : directory_(std::move(directory)) {}

  enum class Lookup { Missing, Hit, Rejected };

  const std::string& directory() const { return directory_; }
  std::string path(const std::string& file_name) const { return directory_ + "/" + file_name; }

  // Hit fills `object`; Rejected means the file exists but is corrupt, truncated or made for
  // another identity, and must be rebuilt.
  Lookup load(const std::string& file_name, const std::string& identity, std::vector<char>& object) const;

  // Writes through a temporary file and rename(), so readers see a whole file or none, and
  // processes storing one key at once leave one whole file. Returns false, with the reason
  // in `problem` when given, when the directory cannot be written (the cache is only an
  // optimisation); no temporary file is left behind either way.
  bool store(const std::string& file_name, const std::string& identity, const std::vector<char>& object,
             std::string* problem = nullptr) const;

 private:
  std::string directory_;
};

}  // namespace lucid::jit
