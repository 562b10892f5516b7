// OutputDir: stage, then rename; undo on failure.
#include "output_dir.h"

#include <unistd.h>

#include <system_error>

#include "npy.h"
#include "run_options.h"

namespace lucid_run {

namespace fs = std::filesystem;

OutputDir::OutputDir(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec))
    throw UsageError("--out " + dir_.string() + " exists and is not a directory");
}

void OutputDir::add(std::string file_name, lucid::Tensor tensor) {
  files_.emplace_back(std::move(file_name), std::move(tensor));
}

std::vector<fs::path> OutputDir::commit() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw lucid::npy::NpyError(dir_.string() + ": cannot create the directory: " + ec.message());
  fs::path staging = dir_ / (".lucid-run-" + std::to_string(::getpid()));
  std::vector<fs::path> moved;
  try {
    fs::create_directory(staging, ec);
    if (ec) throw lucid::npy::NpyError(staging.string() + ": cannot create: " + ec.message());
    for (const auto& [name, tensor] : files_) lucid::npy::write((staging / name).string(), tensor);
    for (const auto& [name, tensor] : files_) {
      fs::rename(staging / name, dir_ / name, ec);
      if (ec) throw lucid::npy::NpyError((dir_ / name).string() + ": cannot move into place: " + ec.message());
      moved.push_back(dir_ / name);
    }
  } catch (...) {
    for (const auto& path : moved) fs::remove(path, ec);
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove_all(staging, ec);
  return moved;
}

}  // namespace lucid_run
