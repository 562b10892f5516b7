// bundle_defines_kernels: split the bundle, read each object's symbol table with LLVM, count
// the kernel symbols.
#include "bundle_kernels.h"

#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include "lower.h"
#include "object_bundle.h"

namespace lucid::jit {

bool bundle_defines_kernels(const std::vector<char>& bundle, const std::string& prefix) {
  auto objects = split_bundle(bundle);
  if (!objects) return false;
  int found = 0;
  for (std::string_view object : *objects) {
    llvm::MemoryBufferRef ref(llvm::StringRef(object.data(), object.size()), "cached.o");
    auto file = llvm::object::ObjectFile::createObjectFile(ref);
    if (!file) {
      // Intentional: an object LLVM cannot read makes the cached file untrusted, and the
      // caller rebuilds it; LLVM's reason is not needed for that.
      llvm::consumeError(file.takeError());
      return false;
    }
    for (const auto& symbol : (*file)->symbols()) {
      auto name = symbol.getName();
      if (!name) {
        // Intentional: a symbol without a readable name is not a kernel; if a kernel's name
        // is unreadable, the count stays short and the file is rebuilt.
        llvm::consumeError(name.takeError());
        continue;
      }
      for (ir::Pass pass : ir::kAllPasses)
        if (*name == ir::kernel_symbol(prefix, pass)) ++found;
    }
  }
  return found == 4;
}

}  // namespace lucid::jit
