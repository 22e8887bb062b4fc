// NttTables: the negacyclic number-theoretic transform over Z_q[X]/(X^n + 1) for one
// NTT-friendly prime q = 1 mod 2n, with Harvey's lazy butterflies and Shoup-precomputed
// twiddle factors.
//
// Convention (the same as Microsoft SEAL's ntt_negacyclic_harvey, so that SEAL's
// published test values apply): psi is the smallest primitive 2n-th root of unity mod q;
// the forward transform takes coefficients in natural order and returns the evaluations
// at psi^(2 * bitrev(j) + 1) in position j (bit-reversed order). Products of two
// polynomials are pointwise products of their transforms.
//
// Tables are owned by the RLWE context (never global). Immutable after Create and
// thread-safe. Transforms are in place and branch-free in the data.
//
// On CPUs with AVX-512 F + DQ (checked at run time) and n >= 16 the transforms run the
// vector kernels of ntt_avx512.h; the scalar code stays as the reference (the *Scalar
// methods). Reduced outputs (Forward, Inverse) are bit-identical on both paths;
// ForwardLazy's [0, 4q) representatives may differ (same residues).
#ifndef FEDCLOAK_CRYPTO_RLWE_NTT_H_
#define FEDCLOAK_CRYPTO_RLWE_NTT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/crypto/rlwe/modulus.h"

namespace fedcloak::crypto {

class NttTables {
 public:
  // InvalidArgument unless n is a power of two in [2, 2^17] and q = 1 mod 2n.
  static absl::StatusOr<NttTables> Create(size_t n, const Modulus& q);

  size_t n() const { return n_; }
  const Modulus& modulus() const { return q_; }
  uint64_t psi() const { return psi_; }

  // Forward transform. Input values < 4q (any representative); output in [0, q).
  void Forward(uint64_t* values) const;
  // Forward transform with output left in [0, 4q) (cheaper; for pointwise products).
  void ForwardLazy(uint64_t* values) const;
  // Inverse transform (including the 1/n scaling). Input values < 2q; output in [0, q).
  void Inverse(uint64_t* values) const;

  // The portable reference implementations (same contracts and outputs as above).
  void ForwardLazyScalar(uint64_t* values) const;
  void InverseScalar(uint64_t* values) const;
  // True if Forward/ForwardLazy/Inverse run the AVX-512 kernels.
  bool vectorized() const { return vectorized_; }

 private:
  NttTables(size_t n, const Modulus& q) : n_(n), q_(q) {}

  size_t n_;
  Modulus q_;
  uint64_t psi_ = 0;
  // psi^bitrev(i) and its Shoup factor, for i in [0, n).
  std::vector<uint64_t> roots_;
  std::vector<uint64_t> roots_shoup_;
  // psi^-bitrev(i) and Shoup factors; entry 1 is pre-multiplied by n^-1.
  std::vector<uint64_t> inv_roots_;
  std::vector<uint64_t> inv_roots_shoup_;
  uint64_t n_inv_ = 0;
  uint64_t n_inv_shoup_ = 0;
  bool vectorized_ = false;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_NTT_H_
