// The vector type and register budget of the instruction set this copy of kernels/ is
// compiled for. Every register block in kernels/ is sized from kVectorBytes and
// kVectorRegisters, so the AVX-512 copy gets 16-float vectors and twice the accumulators.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#ifndef LUCID_TIER0_ISA
#error "kernels/*.cpp are compiled once per instruction set, with LUCID_TIER0_ISA naming the copy"
#endif

#if defined(LUCID_TIER0_SHAPE_VECTOR_BYTES)
// A copy that borrows another ISA's shape (tests; see tier0_isa.h, Isa::Avx512Shape).
#define LUCID_TIER0_VECTOR_BYTES LUCID_TIER0_SHAPE_VECTOR_BYTES
#define LUCID_TIER0_VECTOR_REGISTERS LUCID_TIER0_SHAPE_VECTOR_REGISTERS
#elif defined(__AVX512F__)
#define LUCID_TIER0_VECTOR_BYTES 64
#define LUCID_TIER0_VECTOR_REGISTERS 32
#elif defined(__AVX__)
#define LUCID_TIER0_VECTOR_BYTES 32
#define LUCID_TIER0_VECTOR_REGISTERS 16
#else
// x86-64 baseline (SSE2); also any other target GCC gives 16-byte vectors.
#define LUCID_TIER0_VECTOR_BYTES 16
#define LUCID_TIER0_VECTOR_REGISTERS 16
#endif

namespace lucid::tier0::LUCID_TIER0_ISA {

inline constexpr int kVectorBytes = LUCID_TIER0_VECTOR_BYTES;
inline constexpr int kVectorRegisters = LUCID_TIER0_VECTOR_REGISTERS;

template <class T>
struct Simd;

template <>
struct Simd<float> {
  typedef float Vec __attribute__((vector_size(kVectorBytes)));
  typedef float Unaligned __attribute__((vector_size(kVectorBytes), aligned(4), may_alias));
};

template <>
struct Simd<double> {
  typedef double Vec __attribute__((vector_size(kVectorBytes)));
  typedef double Unaligned __attribute__((vector_size(kVectorBytes), aligned(8), may_alias));
};

template <class T>
using Vec = typename Simd<T>::Vec;

// Elements per vector.
template <class T>
inline constexpr int kLanes = kVectorBytes / static_cast<int>(sizeof(T));

template <class T>
inline Vec<T> load(const T* p) {
  return *reinterpret_cast<const typename Simd<T>::Unaligned*>(p);
}

template <class T>
inline void store(T* p, Vec<T> v) {
  *reinterpret_cast<typename Simd<T>::Unaligned*>(p) = v;
}

// s - 0 is s for every s (-0 and NaN included), so GCC folds it to one broadcast, taken
// straight from memory (or into the FMA as {1toN}) when s comes from memory. Not
// Vec<T>{} + s: 0 + s is not s for s = -0, which costs a scalar add before each broadcast;
// nor a loop over the lanes, which GCC may build lane by lane.
template <class T>
inline Vec<T> splat(T s) {
  return s - Vec<T>{};
}

template <class T>
inline T horizontal_sum(Vec<T> v) {
  T sum = 0;
  for (int i = 0; i < kLanes<T>; ++i) sum += v[i];
  return sum;
}

// Lanes [0, V/2) of a and b interleaved (a0 b0 a1 b1 ...) into low, lanes [V/2, V) into high.
template <class T, std::size_t... I>
inline void interleave_pair(Vec<T> a, Vec<T> b, Vec<T>& low, Vec<T>& high, std::index_sequence<I...>) {
  constexpr std::size_t V = kLanes<T>;
  low = __builtin_shufflevector(a, b, (I % 2 ? V + I / 2 : I / 2)...);
  high = __builtin_shufflevector(a, b, (I % 2 ? V + V / 2 + I / 2 : V / 2 + I / 2)...);
}
template <class T>
inline void interleave_pair(Vec<T> a, Vec<T> b, Vec<T>& low, Vec<T>& high) {
  interleave_pair<T>(a, b, low, high, std::make_index_sequence<kLanes<T>>{});
}

// out[0, S) = the S*V elements planes[0][0], planes[1][0], ..., planes[S-1][0],
// planes[0][1], ...: S planes woven into one sequence, S a power of two. The even planes and
// the odd planes are woven first, then the two results pairwise, log2(S) rounds of
// interleave_pair in all.
template <class T, int S>
inline void interleave_planes(const Vec<T>* planes, Vec<T>* out) {
  if constexpr (S == 1) {
    out[0] = planes[0];
  } else {
    static_assert(S % 2 == 0, "S is a power of two");
    Vec<T> even[S / 2], odd[S / 2], a[S / 2], b[S / 2];
    for (int i = 0; i < S / 2; ++i) {
      even[i] = planes[2 * i];
      odd[i] = planes[2 * i + 1];
    }
    interleave_planes<T, S / 2>(even, a);
    interleave_planes<T, S / 2>(odd, b);
    for (int i = 0; i < S / 2; ++i) interleave_pair<T>(a[i], b[i], out[2 * i], out[2 * i + 1]);
  }
}

// The inverse: the even elements of the 2V-element sequence a, b into even, the odd into odd.
template <class T, std::size_t... I>
inline void deinterleave_pair(Vec<T> a, Vec<T> b, Vec<T>& even, Vec<T>& odd, std::index_sequence<I...>) {
  even = __builtin_shufflevector(a, b, (2 * I)...);
  odd = __builtin_shufflevector(a, b, (2 * I + 1)...);
}
template <class T>
inline void deinterleave_pair(Vec<T> a, Vec<T> b, Vec<T>& even, Vec<T>& odd) {
  deinterleave_pair<T>(a, b, even, odd, std::make_index_sequence<kLanes<T>>{});
}

// Asks for the cache lines of [begin, end) ahead of their use, one prefetch per 64-byte line.
template <class T>
inline void prefetch_range(const T* begin, const T* end) {
  for (const char* p = reinterpret_cast<const char*>(begin); p < reinterpret_cast<const char*>(end); p += 64)
    __builtin_prefetch(p);
}

}  // namespace lucid::tier0::LUCID_TIER0_ISA
