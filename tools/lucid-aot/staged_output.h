// write_all_or_nothing: puts lucid-aot's files into DIR so that DIR ends up with all of them
// or with none of them.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lucid_aot {

// DIR missing, not creatable, not a folder or not writable (exit code 1).
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Creates DIR if needed, writes every file into a private staging folder inside DIR (same
// file system, so the moves are atomic renames), then renames them into place. On failure
// it removes what it staged or moved, and DIR itself if it created it; then throws.
// Returns the final paths.
std::vector<std::string> write_all_or_nothing(const std::string& dir,
                                              const std::vector<std::pair<std::string, std::vector<char>>>& files);

}  // namespace lucid_aot
