// AVX-512 (F + DQ) negacyclic NTT and inverse, selected at run time: the same
// butterflies, tables and output ranges as the scalar reference in ntt.cc, eight 64-bit
// lanes at a time (other kernels: rlwe_kernels_avx512.h). Fully reduced outputs
// (Forward, Inverse) are bit-identical to the reference; ForwardLazy's may be another
// representative in [0, 4q) of the same residue. Callers check Avx512Supported() first; on CPUs or
// emulators without AVX-512 the scalar code runs and these are never entered.
//
// 64-bit Shoup multiplication without a 64x64 -> 128 vector multiply: the quotient
// estimate floor(x * w_shoup / 2^64) is assembled from three 32x32 -> 64 products
// (_mm512_mul_epu32; the low x low product and the middle carry are dropped, so the
// estimate may be up to 3 below the true quotient and one extra conditional subtraction
// of 2q restores Harvey's [0, 2q) bound), the low words from _mm512_mullo_epi64.
// Branch-free in the data (conditional subtractions are unsigned minimums).
#ifndef FEDCLOAK_CRYPTO_RLWE_NTT_AVX512_H_
#define FEDCLOAK_CRYPTO_RLWE_NTT_AVX512_H_

#include <cstddef>
#include <cstdint>

namespace fedcloak::crypto::internal {

// True if the CPU and OS support AVX-512 F and DQ (cached after the first call).
bool Avx512Supported();

// REQUIRES Avx512Supported(), n a power of two >= 16, q < 2^61, tables as in NttTables.
// Forward transform, inputs < 4q, outputs in [0, 4q) (NttTables::ForwardLazy).
void ForwardLazyAvx512(uint64_t* values, size_t n, uint64_t q, const uint64_t* roots,
                       const uint64_t* roots_shoup);
// Inverse transform with 1/n scaling, inputs < 2q, outputs in [0, q) (NttTables::Inverse).
void InverseAvx512(uint64_t* values, size_t n, uint64_t q, const uint64_t* inv_roots,
                   const uint64_t* inv_roots_shoup, uint64_t n_inv, uint64_t n_inv_shoup);
// Full reduction of every value from [0, 4q) to [0, q). REQUIRES n % 8 == 0.
void ReduceFromFourQAvx512(uint64_t* values, size_t n, uint64_t q);

}  // namespace fedcloak::crypto::internal

#endif  // FEDCLOAK_CRYPTO_RLWE_NTT_AVX512_H_
