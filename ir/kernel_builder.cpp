// KernelBuilder: IR emission helpers shared by the four lowerings.
#include "kernel_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include <llvm/IR/InlineAsm.h>

#include <llvm/IR/Intrinsics.h>

#include "lucid/error.h"

namespace lucid::ir {

using namespace llvm;

KernelBuilder::KernelBuilder(Function* function, Type* element, int lanes)
    : builder_(function->getContext()),
      function_(function),
      element_(element),
      vector_(FixedVectorType::get(element, lanes)),
      lanes_(lanes) {}

Value* KernelBuilder::i64(int64_t v) { return builder_.getInt64(static_cast<uint64_t>(v)); }

Value* KernelBuilder::zero_vector() { return Constant::getNullValue(vector_); }

Value* KernelBuilder::splat(Value* scalar, const std::string& name) {
  return builder_.CreateVectorSplat(lanes_, scalar, name);
}

Value* KernelBuilder::fma(Value* a, Value* b, Value* acc, const std::string& name) {
  return builder_.CreateIntrinsic(Intrinsic::fmuladd, {a->getType()}, {a, b, acc}, nullptr,
                                  name);
}

Value* KernelBuilder::min(Value* a, Value* b) {
  return builder_.CreateSelect(builder_.CreateICmpSLT(a, b), a, b);
}

Value* KernelBuilder::max(Value* a, Value* b) {
  return builder_.CreateSelect(builder_.CreateICmpSGT(a, b), a, b);
}

Value* KernelBuilder::floor_div(Value* a, int64_t d) {
  if (d == 1) return a;
  Value* q = builder_.CreateSDiv(a, i64(d));
  Value* r = builder_.CreateSRem(a, i64(d));
  Value* negative_remainder = builder_.CreateZExt(builder_.CreateICmpSLT(r, i64(0)),
                                                  builder_.getInt64Ty());
  return builder_.CreateSub(q, negative_remainder);
}

Value* KernelBuilder::ceil_div(Value* a, int64_t d) {
  if (d == 1) return a;
  return builder_.CreateNeg(floor_div(builder_.CreateNeg(a), d));
}

Value* KernelBuilder::at(Value* base, Value* index, const std::string& name) {
  return builder_.CreateGEP(element_, base, index, name);
}

Value* KernelBuilder::opaque(Value* pointer, const std::string& name) {
  auto* type = FunctionType::get(pointer->getType(), {pointer->getType()}, false);
  auto* asm_value = InlineAsm::get(type, "", "=r,0", /*hasSideEffects=*/false);
  return builder_.CreateCall(type, asm_value, {pointer}, name);
}

Value* KernelBuilder::load_scalar(Value* base, Value* index, const std::string& name) {
  return builder_.CreateAlignedLoad(element_, at(base, index), element_align(), name);
}

Value* KernelBuilder::lane_mask(int n, Value* first, int64_t stride, Value* lo, Value* hi,
                                const std::string& name) {
  if (stride > 0) {
    // The lanes in are the run [a, b) with a = ceil((lo - first) / stride) and b likewise
    // from hi, both clamped to [0, n]: two scalar bounds and two 32-bit lane compares. A
    // 64-bit index per lane took AVX2 four compares and a chain of packs per 8-lane mask
    // (encodec_s5's module: 32 vpcmpgtq and 32 vpackss before, 16 vpcmpgtd and 9 vpackss
    // after); the kernels' times moved within the noise of the Zen 3 VM.
    auto bound = [&](Value* limit) {
      Value* lanes = min(max(ceil_div(builder_.CreateSub(limit, first), stride), i64(0)), i64(n));
      return builder_.CreateVectorSplat(n, builder_.CreateTrunc(lanes, builder_.getInt32Ty()));
    };
    std::vector<Constant*> lane;
    for (int i = 0; i < n; ++i) lane.push_back(builder_.getInt32(static_cast<uint32_t>(i)));
    Value* iota = ConstantVector::get(lane);
    Value* above = builder_.CreateICmpSGE(iota, bound(lo));
    Value* below = builder_.CreateICmpSLT(iota, bound(hi));
    return builder_.CreateAnd(above, below, name);
  }
  std::vector<Constant*> offsets;
  for (int i = 0; i < n; ++i) offsets.push_back(builder_.getInt64(static_cast<uint64_t>(i * stride)));
  Value* index = builder_.CreateAdd(builder_.CreateVectorSplat(n, first), ConstantVector::get(offsets));
  Value* above = builder_.CreateICmpSGE(index, builder_.CreateVectorSplat(n, lo));
  Value* below = builder_.CreateICmpSLT(index, builder_.CreateVectorSplat(n, hi));
  return builder_.CreateAnd(above, below, name);
}

Value* KernelBuilder::load_vector(Value* base, Value* index, Value* mask, const std::string& name) {
  Align align = element_align();
  Value* ptr = at(base, index);
  if (!mask) return builder_.CreateAlignedLoad(vector_, ptr, align, name);
  return builder_.CreateMaskedLoad(vector_, ptr, align, mask, zero_vector(), name);
}

Value* KernelBuilder::load_strided(Value* base, Value* index, int64_t stride, Value* mask,
                                   const std::string& name) {
  if (stride == 1) return load_vector(base, index, mask, name);
  Align align = element_align();
  if (mask) {
    std::vector<Constant*> offsets;
    for (int i = 0; i < lanes_; ++i) offsets.push_back(builder_.getInt64(static_cast<uint64_t>(i * stride)));
    Value* indices = builder_.CreateAdd(builder_.CreateVectorSplat(lanes_, index), ConstantVector::get(offsets));
    Value* ptrs = builder_.CreateGEP(element_, base, indices);
    return builder_.CreateMaskedGather(vector_, ptrs, align, mask, zero_vector(), name);
  }
  if (stride <= 4) {
    // The span [index, index + wide) as whole-vector loads, the last one ending at the span's
    // last element (overlapping its neighbour, so nothing past the span is read), then one
    // stride-s pick across them: a single two-source permute for s = 2. A load of the
    // <wide x T> span itself has an odd width that the x86 backend legalises into piecewise
    // loads and inserts (depthwise backward-weight's loop step: 64 instructions, now 16).
    const int wide = static_cast<int>((lanes_ - 1) * stride + 1);
    const int chunks = (wide + lanes_ - 1) / lanes_;
    auto chunk_start = [&](int j) { return std::min(j * lanes_, wide - lanes_); };
    Values loads;
    for (int j = 0; j < chunks; ++j)
      loads.push_back(builder_.CreateAlignedLoad(vector_, at(base, builder_.CreateAdd(index, i64(chunk_start(j)))), align));
    // Element i*s sits in chunk j at lane i*s - chunk_start(j).
    std::vector<int> lanes;
    for (int i = 0; i < lanes_; ++i) {
      const int element = static_cast<int>(i * stride);
      const int j = std::min(element / lanes_, chunks - 1);
      lanes.push_back(j * lanes_ + element - chunk_start(j));
    }
    return pick(loads, lanes, name);
  }
  Value* v = zero_vector();
  for (int i = 0; i < lanes_; ++i) {
    Value* e = builder_.CreateAlignedLoad(element_, at(base, builder_.CreateAdd(index, i64(i * stride))), align);
    v = builder_.CreateInsertElement(v, e, static_cast<uint64_t>(i));
  }
  v->setName(name);
  return v;
}

void KernelBuilder::prefetch(Value* base, Value* index, int64_t count) {
  const int64_t per_line = std::max<int64_t>(1, 64 / element_bytes());
  for (int64_t offset = 0; offset < count; offset += per_line) {
    Value* ptr = at(base, builder_.CreateAdd(index, i64(offset)));
    builder_.CreateIntrinsic(Intrinsic::prefetch, {ptr->getType()},
                             {ptr, builder_.getInt32(0), builder_.getInt32(3), builder_.getInt32(1)});
  }
}

namespace {

// The lanes of a constant mask that is true on [0, n) and false after, n; -1 otherwise.
int constant_prefix(Value* mask) {
  auto* constant = dyn_cast<Constant>(mask);
  if (!constant) return -1;
  const unsigned lanes = cast<FixedVectorType>(mask->getType())->getNumElements();
  int n = 0;
  for (unsigned i = 0; i < lanes; ++i) {
    auto* lane = dyn_cast_or_null<ConstantInt>(constant->getAggregateElement(i));
    if (!lane) return -1;
    if (lane->isOne()) {
      if (n != static_cast<int>(i)) return -1;
      ++n;
    }
  }
  return n;
}

}  // namespace

void KernelBuilder::store(Value* value, Value* base, Value* index, Value* mask) {
  Align align = element_align();
  Value* ptr = at(base, index);
  const int prefix = mask ? constant_prefix(mask) : -1;
  if (prefix >= 0) {
    // A mask known to cover lanes [0, n) is stored as plain power-of-two pieces (6 lanes:
    // 4 + 2). AMD's vmaskmovps store is microcoded, one per ~12 cycles on Zen 3, and the
    // transposed stores of the channel-lane kernels issue one per row of every block.
    int done = 0;
    for (int piece = static_cast<int>(std::bit_floor(static_cast<unsigned>(prefix))); piece >= 1; piece >>= 1) {
      if (prefix - done < piece) continue;
      SmallVector<int, 16> pick;
      for (int i = 0; i < piece; ++i) pick.push_back(done + i);
      Value* part = piece == 1 ? builder_.CreateExtractElement(value, builder_.getInt64(done))
                               : builder_.CreateShuffleVector(value, pick);
      builder_.CreateAlignedStore(part, at(ptr, i64(done)), align);
      done += piece;
    }
    return;
  }
  if (mask)
    builder_.CreateMaskedStore(value, ptr, align, mask);
  else
    builder_.CreateAlignedStore(value, ptr, align);
}

Value* KernelBuilder::horizontal_sum(Value* v, const std::string& name) {
  IRBuilderBase::FastMathFlagGuard guard(builder_);
  FastMathFlags flags;
  flags.setAllowReassoc();
  builder_.setFastMathFlags(flags);
  Value* sum = builder_.CreateFAddReduce(ConstantFP::getNegativeZero(element_), v);
  sum->setName(name);
  return sum;
}

KernelBuilder::LoadedSpan KernelBuilder::load_span(Value* base, Value* index, int64_t length, const std::string& name) {
  LoadedSpan span;
  span.starts = span_starts(length);
  for (int64_t start : span.starts)
    span.vectors.push_back(load_vector(base, builder_.CreateAdd(index, i64(start)), nullptr, name));
  return span;
}

std::vector<int64_t> KernelBuilder::span_starts(int64_t length) const {
  std::vector<int64_t> starts;
  for (int64_t c = 0; c + lanes_ < length; c += lanes_) starts.push_back(c);
  starts.push_back(length - lanes_);
  return starts;
}

Value* KernelBuilder::pick_strided(const LoadedSpan& span, int64_t first, int64_t stride, const std::string& name) {
  // Each lane from the vector the lane before used while it holds the element, else from
  // the last vector that starts at or before it: as few sources as the span allows, since
  // its last vector overlaps the one before.
  std::vector<size_t> sources;
  std::vector<int> lanes;
  size_t j = 0;
  for (int64_t i = 0; i < lanes_; ++i) {
    const int64_t element = first + i * stride;
    if (element < 0 || element >= span.starts.back() + lanes_)
      throw InternalError(fmt::format("pick_strided: element {} outside the loaded span of {}", element,
                                      span.starts.back() + lanes_));
    if (i == 0 || element < span.starts[j] || element >= span.starts[j] + lanes_) {
      j = 0;
      while (j + 1 < span.starts.size() && span.starts[j + 1] <= element) ++j;
    }
    auto at = std::find(sources.begin(), sources.end(), j);
    if (at == sources.end()) at = sources.insert(sources.end(), j);
    lanes.push_back(static_cast<int>((at - sources.begin()) * lanes_ + element - span.starts[j]));
  }
  if (sources.size() == 1 && stride == 1 && first == span.starts[sources[0]])
    return span.vectors[sources[0]];  // a whole loaded vector
  Values picked_from;
  for (size_t j : sources) picked_from.push_back(span.vectors[j]);
  return pick(picked_from, lanes, name);
}

Value* KernelBuilder::pick(Values sources, const std::vector<int>& lanes, const std::string& name) {
  // Concatenate pairwise up to a power-of-two count (poison fills the gap), then one shuffle.
  if (sources.size() == 1) return builder_.CreateShuffleVector(sources[0], lanes, name);
  size_t count = 2;
  while (count < sources.size()) count *= 2;
  while (sources.size() < count) sources.push_back(PoisonValue::get(sources[0]->getType()));
  while (sources.size() > 2) {
    Values joined;
    for (size_t j = 0; j < sources.size(); j += 2) joined.push_back(concat(sources[j], sources[j + 1]));
    sources = joined;
  }
  return builder_.CreateShuffleVector(sources[0], sources[1], lanes, name);
}

Value* KernelBuilder::concat(Value* a, Value* b) {
  int n = static_cast<int>(cast<FixedVectorType>(a->getType())->getNumElements());
  std::vector<int> mask(2 * n);
  for (int i = 0; i < 2 * n; ++i) mask[i] = i;
  return builder_.CreateShuffleVector(a, b, mask);
}

Values KernelBuilder::interleave_split(const Values& parts, const std::string& name) {
  const int k = static_cast<int>(parts.size());
  const int n = static_cast<int>(cast<FixedVectorType>(parts[0]->getType())->getNumElements());
  Values out;
  for (int q = 0; q < k; ++q) {
    // Lane i of vector q is element (q*n + i) / k of part (q*n + i) % k. Parts join one at a
    // time: each shuffle keeps the lanes already placed and takes the next part's.
    Value* acc = nullptr;
    for (int part = 0; part < k; ++part) {
      std::vector<int> mask(static_cast<size_t>(n), -1);
      bool used = false;
      for (int i = 0; i < n; ++i) {
        const int flat = q * n + i;
        if (flat % k == part) {
          mask[static_cast<size_t>(i)] = (acc ? n : 0) + flat / k;
          used = true;
        } else if (acc != nullptr && flat % k < part) {
          mask[static_cast<size_t>(i)] = i;
        }
      }
      if (!used) continue;
      acc = acc ? builder_.CreateShuffleVector(acc, parts[static_cast<size_t>(part)], mask, name)
                : builder_.CreateShuffleVector(parts[static_cast<size_t>(part)], mask, name);
    }
    out.push_back(acc);
  }
  return out;
}

Values KernelBuilder::transpose(const Values& rows, const std::string& name) {
  const int n = lanes_;
  Values a = rows;
  a.resize(static_cast<size_t>(n), PoisonValue::get(vector_));
  // Stage h swaps the off-diagonal h x h blocks of every 2h x 2h block: vector i (bit h
  // clear) and i + h trade their upper and lower h-lane halves of each 2h-lane chunk.
  for (int h = n / 2; h >= 1; h /= 2) {
    Values out(static_cast<size_t>(n));
    std::vector<int> low(static_cast<size_t>(n)), high(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      low[static_cast<size_t>(c)] = (c & h) == 0 ? c : n + c - h;
      high[static_cast<size_t>(c)] = (c & h) == 0 ? c + h : n + c;
    }
    for (int i = 0; i < n; ++i) {
      if (i & h) continue;
      const auto lo = static_cast<size_t>(i), hi = static_cast<size_t>(i + h);
      out[lo] = builder_.CreateShuffleVector(a[lo], a[hi], low, name);
      out[hi] = builder_.CreateShuffleVector(a[lo], a[hi], high, name);
    }
    a = std::move(out);
  }
  return a;
}

Value* KernelBuilder::interleave(const Values& parts, const std::string& name) {
  size_t k = parts.size();
  if (k == 1) return parts[0];
  int n = static_cast<int>(cast<FixedVectorType>(parts[0]->getType())->getNumElements());
  if ((k & (k - 1)) == 0) {
    // Power of two: interleave the even and the odd parts, then zip the two halves. Each
    // level is a two-input zip, which the backend lowers to unpack/permute pairs.
    Values even, odd;
    for (size_t j = 0; j < k; ++j) (j % 2 ? odd : even).push_back(parts[j]);
    Value* e = interleave(even, name + ".even");
    Value* o = interleave(odd, name + ".odd");
    int m = static_cast<int>(n * k / 2);
    std::vector<int> zip(2 * m);
    for (int i = 0; i < m; ++i) {
      zip[2 * i] = i;
      zip[2 * i + 1] = m + i;
    }
    return builder_.CreateShuffleVector(e, o, zip, name);
  }
  throw InternalError(fmt::format("interleave: {} parts, not a power of two (interleave_split takes any count)", k));
}

void KernelBuilder::if_then(Value* condition, const std::string& name, const std::function<void()>& body) {
  BasicBlock* then_block = BasicBlock::Create(ctx(), name, function_);
  BasicBlock* done = BasicBlock::Create(ctx(), name + ".done", function_);
  builder_.CreateCondBr(condition, then_block, done);
  builder_.SetInsertPoint(then_block);
  body();
  builder_.CreateBr(done);
  builder_.SetInsertPoint(done);
}

Values KernelBuilder::loop(const std::string& name, Value* begin, Value* end, int64_t step,
                           const Values& carried,
                           const std::function<Values(Value*, const Values&)>& body) {
  LLVMContext& c = ctx();
  BasicBlock* preheader = builder_.GetInsertBlock();
  BasicBlock* body_block = BasicBlock::Create(c, name, function_);
  BasicBlock* exit_block = BasicBlock::Create(c, name + ".end", function_);
  builder_.CreateCondBr(builder_.CreateICmpSLT(begin, end), body_block, exit_block);

  builder_.SetInsertPoint(body_block);
  PHINode* index = builder_.CreatePHI(builder_.getInt64Ty(), 2, name + ".i");
  index->addIncoming(begin, preheader);
  std::vector<PHINode*> phis;
  Values inside;
  for (Value* v : carried) {
    PHINode* phi = builder_.CreatePHI(v->getType(), 2, v->getName());
    phi->addIncoming(v, preheader);
    phis.push_back(phi);
    inside.push_back(phi);
  }
  Values next = body(index, inside);
  BasicBlock* latch = builder_.GetInsertBlock();
  Value* next_index = builder_.CreateAdd(index, i64(step), name + ".next", false, true);
  builder_.CreateCondBr(builder_.CreateICmpSLT(next_index, end), body_block, exit_block);
  index->addIncoming(next_index, latch);
  for (size_t j = 0; j < phis.size(); ++j) phis[j]->addIncoming(next[j], latch);

  builder_.SetInsertPoint(exit_block);
  Values out;
  for (size_t j = 0; j < carried.size(); ++j) {
    PHINode* phi = builder_.CreatePHI(carried[j]->getType(), 2, carried[j]->getName());
    phi->addIncoming(carried[j], preheader);
    phi->addIncoming(next[j], latch);
    out.push_back(phi);
  }
  return out;
}

}  // namespace lucid::ir
