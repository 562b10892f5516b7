// static_archive: packs object files into a GNU `ar` archive (libPREFIX.a) with a symbol
// table, using LLVM's archive writer so lucid-aot needs no binutils.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lucid_aot {

// Members are (file name, object bytes); the archive is deterministic (zero times and ids).
std::vector<char> static_archive(const std::vector<std::pair<std::string, std::vector<char>>>& members);

}  // namespace lucid_aot
