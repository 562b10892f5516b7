// KernelBuilder: the small vocabulary the lowerings speak in (counted loops with carried
// values, vectors, masked edge accesses, strided loads), on top of llvm::IRBuilder.
// Internal to ir/: it includes LLVM headers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

namespace lucid::ir {

using Values = std::vector<llvm::Value*>;

class KernelBuilder {
 public:
  KernelBuilder(llvm::Function* function, llvm::Type* element, int lanes);

  llvm::IRBuilder<>& b() { return builder_; }
  llvm::LLVMContext& ctx() { return builder_.getContext(); }
  llvm::Type* element() const { return element_; }
  // Bytes of one element; scalar accesses are aligned to it.
  int64_t element_bytes() const { return static_cast<int64_t>(element_->getPrimitiveSizeInBits() / 8); }
  llvm::Align element_align() const { return llvm::Align(element_bytes()); }
  llvm::FixedVectorType* vector() const { return vector_; }
  int lanes() const { return lanes_; }

  llvm::Value* i64(int64_t v);
  llvm::Value* zero_vector();
  llvm::Value* splat(llvm::Value* scalar, const std::string& name = "");
  llvm::Value* fma(llvm::Value* a, llvm::Value* b, llvm::Value* acc, const std::string& name);
  llvm::Value* min(llvm::Value* a, llvm::Value* b);
  llvm::Value* max(llvm::Value* a, llvm::Value* b);
  // Floor and ceiling division by a positive constant, exact for negative numerators too.
  llvm::Value* floor_div(llvm::Value* a, int64_t d);
  llvm::Value* ceil_div(llvm::Value* a, int64_t d);  // lucid::ceil_div's rule, emitted as IR

  // Address of element `index` of `base`. Not inbounds: edge blocks form addresses outside
  // the array for lanes that their masks never touch.
  llvm::Value* at(llvm::Value* base, llvm::Value* index, const std::string& name = "");
  llvm::Value* load_scalar(llvm::Value* base, llvm::Value* index, const std::string& name);

  // Lanes i of an n-lane mask where lo <= first + i*stride < hi.
  llvm::Value* lane_mask(int n, llvm::Value* first, int64_t stride, llvm::Value* lo,
                         llvm::Value* hi, const std::string& name);

  // A run of `length` elements from base[index], loaded once as whole vectors (the last one
  // ending at the run's end, overlapping its neighbour, so nothing past the run is read);
  // strided vectors are then shuffles of them instead of loads of their own.
  struct LoadedSpan {
    std::vector<int64_t> starts;  // of each loaded vector, from index
    Values vectors;
  };
  LoadedSpan load_span(llvm::Value* base, llvm::Value* index, int64_t length, const std::string& name);
  // Where load_span's vectors start in a run of `length` elements (length >= lanes).
  std::vector<int64_t> span_starts(int64_t length) const;
  // Lane i is element first + i*stride of the span (all inside it).
  llvm::Value* pick_strided(const LoadedSpan& span, int64_t first, int64_t stride, const std::string& name);

  // The vector whose lane i is lane lanes[i] of the concatenation of `sources` (vectors of
  // this builder's width): one shuffle across them, joined pairwise first when there are more
  // than two.
  llvm::Value* pick(Values sources, const std::vector<int>& lanes, const std::string& name);

  // V consecutive elements from base[index]; masked lanes read as zero and are not touched.
  llvm::Value* load_vector(llvm::Value* base, llvm::Value* index, llvm::Value* mask,
                           const std::string& name);
  // V elements base[index + i*stride]. mask as above (nullptr: all lanes in bounds).
  llvm::Value* load_strided(llvm::Value* base, llvm::Value* index, int64_t stride,
                            llvm::Value* mask, const std::string& name);
  // Read prefetches into L1 of the cache lines under base[index, index + count); they never
  // fault, so they may run past the end of a buffer.
  void prefetch(llvm::Value* base, llvm::Value* index, int64_t count);
  // Stores a vector of any length at base[index]; mask (same length) or nullptr.
  void store(llvm::Value* value, llvm::Value* base, llvm::Value* index, llvm::Value* mask);

  // The same pointer, which the optimiser cannot prove equal to `pointer` (an empty inline
  // asm): loads through it are not merged with loads through the original.
  llvm::Value* opaque(llvm::Value* pointer, const std::string& name);

  // Sum of the lanes (reassociation allowed: a tree, as any vectorised sum is).
  llvm::Value* horizontal_sum(llvm::Value* v, const std::string& name);

  // out[i*k + j] = parts[j][i] for k = parts.size() vectors of equal length, k a power of two.
  llvm::Value* interleave(const Values& parts, const std::string& name);
  // The same interleave as parts.size() vectors of one part's length (vector q holds lanes
  // [q*n, (q+1)*n) of it), each built from two-input shuffles of the parts that reach it.
  Values interleave_split(const Values& parts, const std::string& name);

  // The lanes x lanes transpose of `rows` (at most lanes() vectors; missing rows are
  // poison): lane m of result i is lane i of rows[m]. log2(lanes) stages of two-input
  // shuffles, lanes * log2(lanes) in all instead of lanes^2 extracts.
  Values transpose(const Values& rows, const std::string& name);

  // if (condition) { body(); }
  void if_then(llvm::Value* condition, const std::string& name, const std::function<void()>& body);

  // for (i = begin; i < end; i += step) { carried = body(i, carried); } returns carried.
  // The loop test is at the bottom; a guard skips the loop when begin >= end.
  Values loop(const std::string& name, llvm::Value* begin, llvm::Value* end, int64_t step,
              const Values& carried,
              const std::function<Values(llvm::Value* i, const Values& carried)>& body);

 private:
  llvm::Value* concat(llvm::Value* a, llvm::Value* b);

  llvm::IRBuilder<> builder_;
  llvm::Function* function_;
  llvm::Type* element_;
  llvm::FixedVectorType* vector_;
  int lanes_;
};

}  // namespace lucid::ir
