// Stage, then rename; undo on failure.
#include "staged_output.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

namespace lucid_aot {

namespace fs = std::filesystem;

std::vector<std::string> write_all_or_nothing(const std::string& dir_text,
                                              const std::vector<std::pair<std::string, std::vector<char>>>& files) {
  const fs::path dir(dir_text);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw OutputError("-o " + dir_text + ": exists and is not a folder");
  // The first ancestor that exists: everything below it is ours to remove on failure.
  fs::path created_root;
  for (fs::path p = fs::absolute(dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    created_root = p;
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("-o " + dir_text + ": cannot create the folder: " + ec.message());

  const fs::path staging = dir / (".lucid-aot-staging-" + std::to_string(::getpid()));
  std::vector<fs::path> moved;
  try {
    fs::create_directory(staging, ec);
    if (ec) throw OutputError("-o " + dir_text + ": cannot write in the folder: " + ec.message());
    for (const auto& [name, contents] : files) {
      std::ofstream out(staging / name, std::ios::binary);
      out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
      out.close();
      if (!out) throw OutputError((dir / name).string() + ": cannot write the file");
    }
    for (const auto& [name, contents] : files) {
      fs::rename(staging / name, dir / name, ec);
      if (ec) throw OutputError((dir / name).string() + ": cannot move into place: " + ec.message());
      moved.push_back(dir / name);
    }
  } catch (...) {
    for (const fs::path& p : moved) fs::remove(p, ec);
    fs::remove_all(staging, ec);
    if (!created_root.empty()) fs::remove_all(created_root, ec);
    throw;
  }
  fs::remove_all(staging, ec);
  std::vector<std::string> paths;
  for (const fs::path& p : moved) paths.push_back(p.string());
  return paths;
}

}  // namespace lucid_aot
