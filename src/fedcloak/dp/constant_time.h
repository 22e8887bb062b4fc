// Branch-free helpers on 64-bit words for the samplers of this module. Each returns a
// 0/1 word computed with arithmetic only (no comparison the compiler could turn into a
// conditional jump), so that timing does not depend on the operands.
#ifndef FEDCLOAK_DP_CONSTANT_TIME_H_
#define FEDCLOAK_DP_CONSTANT_TIME_H_

#include <cstdint>

namespace fedcloak::dp::internal {

// 1 if a < b, else 0: the borrow out of the 128-bit subtraction a - b.
inline uint64_t CtLess(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) - b) >> 64) & 1;
}

// 1 if a == 0, else 0.
inline uint64_t CtIsZero(uint64_t a) { return 1 ^ ((a | (0 - a)) >> 63); }

inline uint64_t CtEqual(uint64_t a, uint64_t b) { return CtIsZero(a ^ b); }

// bit ? a : b, for bit in {0, 1}.
inline uint64_t CtSelect(uint64_t bit, uint64_t a, uint64_t b) {
  const uint64_t mask = 0 - bit;
  return b ^ ((a ^ b) & mask);
}

}  // namespace fedcloak::dp::internal

#endif  // FEDCLOAK_DP_CONSTANT_TIME_H_
