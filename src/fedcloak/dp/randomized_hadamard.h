// RandomizedHadamard: the random rotation U = H D / sqrt(p) of the distributed discrete
// Gaussian mechanism (Kairouz, Liu, Steinke 2021, Section 4.2), where p is the dimension
// padded to a power of two, H the p x p Walsh-Hadamard matrix (entries +-1) and D a
// diagonal of random signs expanded from a public 32-byte seed with fedcloak::Prg
// (label kPrgLabel). U is orthonormal, so it keeps L2 norms, and it spreads a vector's
// mass evenly over coordinates, which lets a small modulus hold the sum.
//
// Every site and the server derive the same U from the round's public seed. Immutable
// after Create(); const methods are thread-safe.
#ifndef FEDCLOAK_DP_RANDOMIZED_HADAMARD_H_
#define FEDCLOAK_DP_RANDOMIZED_HADAMARD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/base/prg.h"

namespace fedcloak::dp {

class RandomizedHadamard {
 public:
  static constexpr std::string_view kPrgLabel = "fedcloak.dp.rotation.v1";
  static constexpr uint64_t kMaxDimension = uint64_t{1} << 30;

  // InvalidArgument unless 0 < dimension <= kMaxDimension.
  static absl::StatusOr<RandomizedHadamard> Create(uint64_t dimension,
                                                   std::span<const uint8_t, Prg::kSeedSize> seed);

  uint64_t dimension() const { return dimension_; }
  // The least power of two >= dimension().
  uint64_t padded_dimension() const { return padded_; }

  // v <- U v, in place. REQUIRES (else InvalidArgument): v.size() == padded_dimension().
  // Callers put the data in the first dimension() entries and zeros after them.
  absl::Status Forward(std::span<double> v) const;
  // v <- U^T v, in place; the data is then in the first dimension() entries.
  absl::Status Inverse(std::span<double> v) const;

 private:
  RandomizedHadamard() = default;
  absl::Status CheckSize(size_t size) const;
  void ApplySigns(std::span<double> v) const;

  uint64_t dimension_ = 0;
  uint64_t padded_ = 0;
  std::vector<uint64_t> sign_bits_;  // bit i set: D_ii = -1
};

// In-place unnormalized fast Walsh-Hadamard transform. REQUIRES: v.size() a power of two.
void WalshHadamardTransform(std::span<double> v);

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_RANDOMIZED_HADAMARD_H_
