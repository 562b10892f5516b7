// static_archive via llvm::writeArchiveToBuffer.
#include "static_archive.h"

#include <llvm/Object/ArchiveWriter.h>
#include <llvm/Support/MemoryBuffer.h>

#include "lucid/error.h"

namespace lucid_aot {

std::vector<char> static_archive(const std::vector<std::pair<std::string, std::vector<char>>>& members) {
  std::vector<llvm::NewArchiveMember> entries;
  for (const auto& [name, bytes] : members) {
    llvm::NewArchiveMember m;
    m.Buf = llvm::MemoryBuffer::getMemBuffer(llvm::StringRef(bytes.data(), bytes.size()), name,
                                             /*RequiresNullTerminator=*/false);
    m.MemberName = m.Buf->getBufferIdentifier();
    entries.push_back(std::move(m));
  }
  auto archive = llvm::writeArchiveToBuffer(entries, llvm::SymtabWritingMode::NormalSymtab,
                                            llvm::object::Archive::K_GNU, /*Deterministic=*/true,
                                            /*Thin=*/false);
  if (!archive) throw lucid::Error("lucid-aot: cannot build the static library: " + llvm::toString(archive.takeError()));
  return std::vector<char>((*archive)->getBufferStart(), (*archive)->getBufferEnd());
}

}  // namespace lucid_aot
