#include "fedcloak/dp/randomized_hadamard.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>

#include "fedcloak/base/check.h"

namespace fedcloak::dp {

void WalshHadamardTransform(std::span<double> v) {
  const size_t n = v.size();
  FEDCLOAK_CHECK(std::has_single_bit(n), "Walsh-Hadamard size must be a power of two");
  for (size_t half = 1; half < n; half *= 2) {
    for (size_t block = 0; block < n; block += 2 * half) {
      double* a = v.data() + block;
      double* b = a + half;
      for (size_t i = 0; i < half; ++i) {
        const double x = a[i];
        const double y = b[i];
        a[i] = x + y;
        b[i] = x - y;
      }
    }
  }
}

absl::StatusOr<RandomizedHadamard> RandomizedHadamard::Create(
    uint64_t dimension, std::span<const uint8_t, Prg::kSeedSize> seed) {
  if (dimension == 0 || dimension > kMaxDimension) {
    return absl::InvalidArgumentError(
        fmt::format("rotation dimension {} outside [1, {}]", dimension, kMaxDimension));
  }
  RandomizedHadamard r;
  r.dimension_ = dimension;
  r.padded_ = std::bit_ceil(dimension);
  r.sign_bits_.resize(static_cast<size_t>((r.padded_ + 63) / 64));
  Prg prg(seed, kPrgLabel);
  prg.FillU64(r.sign_bits_);
  return r;
}

absl::Status RandomizedHadamard::CheckSize(size_t size) const {
  if (size != padded_) {
    return absl::InvalidArgumentError(fmt::format(
        "rotation input has {} coordinates, expected the padded dimension {}", size, padded_));
  }
  return absl::OkStatus();
}

void RandomizedHadamard::ApplySigns(std::span<double> v) const {
  // The signs are public; flipping the IEEE sign bit keeps the data path branch-free.
  for (size_t i = 0; i < v.size(); ++i) {
    const uint64_t flip = (sign_bits_[i / 64] >> (i % 64)) & 1;
    v[i] = std::bit_cast<double>(std::bit_cast<uint64_t>(v[i]) ^ (flip << 63));
  }
}

absl::Status RandomizedHadamard::Forward(std::span<double> v) const {
  if (absl::Status s = CheckSize(v.size()); !s.ok()) return s;
  ApplySigns(v);
  WalshHadamardTransform(v);
  const double norm = 1.0 / std::sqrt(static_cast<double>(padded_));
  for (double& x : v) x *= norm;
  return absl::OkStatus();
}

absl::Status RandomizedHadamard::Inverse(std::span<double> v) const {
  if (absl::Status s = CheckSize(v.size()); !s.ok()) return s;
  // U^T = D H / sqrt(p): H is symmetric.
  WalshHadamardTransform(v);
  const double norm = 1.0 / std::sqrt(static_cast<double>(padded_));
  for (double& x : v) x *= norm;
  ApplySigns(v);
  return absl::OkStatus();
}

}  // namespace fedcloak::dp
