// OutputDir: puts a run's result files into DIR all or nothing. Files are written into a
// private staging folder inside DIR (same file system), then renamed into place; on any
// failure the staged and already-moved files are removed, so DIR never holds a mix.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lucid/tensor.h"

namespace lucid_run {

class OutputDir {
 public:
  // Creates DIR if needed. Throws UsageError when DIR exists but is not a directory, and
  // lucid::npy::NpyError when it cannot be created.
  explicit OutputDir(std::filesystem::path dir);

  void add(std::string file_name, lucid::Tensor tensor);

  // Writes every added tensor; returns the final paths. Throws NpyError after cleaning up.
  std::vector<std::filesystem::path> commit();

 private:
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, lucid::Tensor>> files_;
};

}  // namespace lucid_run
