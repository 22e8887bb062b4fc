#include "fedcloak/crypto/shamir.h"

#include <algorithm>
#include <array>
#include <bit>

#include "absl/status/status.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fmt/format.h"

namespace fedcloak::crypto {
namespace {

using u128 = unsigned __int128;

// Plain modular arithmetic, for public values only (primality test, Lagrange
// coefficients of public evaluation points).
uint64_t PublicMulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<u128>(a) * b % m);
}

uint64_t PublicPowMod(uint64_t base, uint64_t exp, uint64_t m) {
  uint64_t result = 1 % m;
  base %= m;
  while (exp > 0) {
    if (exp & 1) result = PublicMulMod(result, base, m);
    base = PublicMulMod(base, base, m);
    exp >>= 1;
  }
  return result;
}

// Draws uniform field elements in bulk: one Fill per block, masked to the bit length of
// p, values >= p rejected. The number of draws depends on the random words only.
class UniformModSampler {
 public:
  UniformModSampler(uint64_t p, SecureRandom& rng)
      : p_(p), mask_(~uint64_t{0} >> std::countl_zero(p - 1)), rng_(rng) {}
  ~UniformModSampler() { internal::SecureWipe(buffer_.data(), sizeof(buffer_)); }

  uint64_t Next() {
    for (;;) {
      if (next_ == buffer_.size()) {
        rng_.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer_.data()), sizeof(buffer_)));
        next_ = 0;
      }
      const uint64_t v = buffer_[next_++] & mask_;
      if (v < p_) return v;
    }
  }

 private:
  uint64_t p_;
  uint64_t mask_;
  SecureRandom& rng_;
  std::array<uint64_t, 64> buffer_{};
  size_t next_ = 64;
};

}  // namespace

bool IsPrime(uint64_t n) {
  if (n < 2) return false;
  static constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  for (uint64_t b : kBases) {
    if (n % b == 0) return n == b;
  }
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kBases) {
    uint64_t x = PublicPowMod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = PublicMulMod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

absl::StatusOr<ShamirScheme> ShamirScheme::Create(uint32_t threshold, uint32_t num_parties,
                                                  uint64_t prime) {
  if (prime <= 2 || prime >= (uint64_t{1} << 62)) {
    return absl::InvalidArgumentError(
        fmt::format("Shamir prime {} is outside the supported range (2, 2^62)", prime));
  }
  if (!IsPrime(prime)) {
    return absl::InvalidArgumentError(fmt::format("Shamir modulus {} is not prime", prime));
  }
  if (threshold < 1 || threshold > num_parties) {
    return absl::InvalidArgumentError(
        fmt::format("Shamir threshold {} must be between 1 and the number of parties {}", threshold,
                    num_parties));
  }
  if (num_parties >= prime) {
    return absl::InvalidArgumentError(fmt::format(
        "Shamir needs more field elements than parties: {} parties, prime {}", num_parties, prime));
  }
  return ShamirScheme(threshold, num_parties, prime);
}

ShamirScheme::ShamirScheme(uint32_t threshold, uint32_t num_parties, uint64_t prime)
    : threshold_(threshold), num_parties_(num_parties), p_(prime) {
  uint64_t inv = prime;  // Newton iteration for prime^{-1} mod 2^64 (prime is odd).
  for (int i = 0; i < 6; ++i) inv *= 2 - prime * inv;
  p_neg_inv_ = 0 - inv;
  const uint64_t r_mod_p = static_cast<uint64_t>((static_cast<u128>(1) << 64) % prime);
  r2_ = PublicMulMod(r_mod_p, r_mod_p, prime);
}

uint64_t ShamirScheme::MontMul(uint64_t a, uint64_t b) const {
  // REDC: t = (ab + m p) / 2^64 < 2p with m = ab * (-p^{-1}) mod 2^64.
  const u128 product = static_cast<u128>(a) * b;
  const uint64_t m = static_cast<uint64_t>(product) * p_neg_inv_;
  const uint64_t t = static_cast<uint64_t>((product + static_cast<u128>(m) * p_) >> 64);
  const uint64_t r = t - p_;  // wraps (top bit set) iff t < p, since p < 2^62
  return r + (p_ & (0 - (r >> 63)));
}

uint64_t ShamirScheme::AddMod(uint64_t a, uint64_t b) const {
  const uint64_t r = a + b - p_;
  return r + (p_ & (0 - (r >> 63)));
}

absl::StatusOr<std::vector<SecretVector<uint64_t>>> ShamirScheme::Share(
    std::span<const uint64_t> secret, SecureRandom& rng) const {
  uint64_t out_of_range = 0;  // accumulated without branching on secret values
  for (uint64_t s : secret) out_of_range |= static_cast<uint64_t>(s >= p_);
  if (out_of_range != 0) {
    return absl::InvalidArgumentError(
        fmt::format("a secret element is not below the Shamir prime {}", p_));
  }
  std::vector<SecretVector<uint64_t>> shares;
  shares.reserve(num_parties_);
  for (uint32_t j = 0; j < num_parties_; ++j) shares.emplace_back(secret.size());
  std::vector<uint64_t> x_mont(num_parties_);
  for (uint32_t j = 0; j < num_parties_; ++j) x_mont[j] = ToMont(j + 1);

  UniformModSampler sampler(p_, rng);
  SecretVector<uint64_t> coeffs(threshold_);
  for (size_t i = 0; i < secret.size(); ++i) {
    coeffs[0] = secret[i];
    for (uint32_t k = 1; k < threshold_; ++k) coeffs[k] = sampler.Next();
    for (uint32_t j = 0; j < num_parties_; ++j) {
      uint64_t acc = coeffs[threshold_ - 1];  // Horner: MontMul(acc, xR) = acc * x
      for (uint32_t k = threshold_ - 1; k-- > 0;) acc = AddMod(MontMul(acc, x_mont[j]), coeffs[k]);
      shares[j][i] = acc;
    }
  }
  return shares;
}

absl::Status ShamirScheme::CheckPoints(std::span<const uint32_t> points) const {
  std::vector<bool> seen(size_t{num_parties_} + 1, false);
  for (uint32_t x : points) {
    if (x < 1 || x > num_parties_) {
      return absl::InvalidArgumentError(
          fmt::format("Shamir evaluation point {} is outside [1, {}]", x, num_parties_));
    }
    if (seen[x]) {
      return absl::InvalidArgumentError(fmt::format("Shamir evaluation point {} appears twice", x));
    }
    seen[x] = true;
  }
  if (points.size() < threshold_) {
    return absl::FailedPreconditionError(
        fmt::format("{} Shamir shares are fewer than the threshold {}", points.size(), threshold_));
  }
  return absl::OkStatus();
}

std::vector<uint64_t> ShamirScheme::LagrangeCoefficientsMont(
    std::span<const uint32_t> points) const {
  // lambda_j = prod_{m != j} x_m / (x_m - x_j) mod p; all values public.
  std::vector<uint64_t> result(points.size());
  for (size_t j = 0; j < points.size(); ++j) {
    uint64_t num = 1;
    uint64_t den = 1;
    for (size_t m = 0; m < points.size(); ++m) {
      if (m == j) continue;
      num = PublicMulMod(num, points[m], p_);
      den = PublicMulMod(den, (points[m] + p_ - points[j]) % p_, p_);
    }
    const uint64_t lambda = PublicMulMod(num, PublicPowMod(den, p_ - 2, p_), p_);
    result[j] = ToMont(lambda);
  }
  return result;
}

absl::StatusOr<uint64_t> ShamirScheme::LagrangeAtZero(uint32_t point,
                                                      std::span<const uint32_t> points) const {
  FEDCLOAK_RETURN_IF_ERROR(CheckPoints(points));
  const auto it = std::find(points.begin(), points.end(), point);
  if (it == points.end()) {
    return absl::InvalidArgumentError(
        fmt::format("Shamir point {} is not in the set of {} points", point, points.size()));
  }
  const std::vector<uint64_t> lambdas = LagrangeCoefficientsMont(points);
  // MontMul(aR, 1) = a: leave the Montgomery domain.
  return MontMul(lambdas[static_cast<size_t>(it - points.begin())], 1);
}

absl::StatusOr<SecretVector<uint64_t>> ShamirScheme::Reconstruct(
    std::span<const uint32_t> points, std::span<const std::span<const uint64_t>> shares) const {
  if (points.size() != shares.size()) {
    return absl::InvalidArgumentError(
        fmt::format("{} Shamir evaluation points but {} shares", points.size(), shares.size()));
  }
  FEDCLOAK_RETURN_IF_ERROR(CheckPoints(points));
  const size_t length = shares.empty() ? 0 : shares[0].size();
  for (size_t k = 0; k < shares.size(); ++k) {
    if (shares[k].size() != length) {
      return absl::InvalidArgumentError(
          fmt::format("Shamir share at point {} has {} elements, expected {}", points[k],
                      shares[k].size(), length));
    }
  }
  const std::vector<uint64_t> lambdas = LagrangeCoefficientsMont(points);
  SecretVector<uint64_t> secret(length, 0);
  uint64_t out_of_range = 0;
  for (size_t k = 0; k < shares.size(); ++k) {
    const uint64_t lambda = lambdas[k];
    const std::span<const uint64_t> share = shares[k];
    for (size_t i = 0; i < length; ++i) {
      out_of_range |= static_cast<uint64_t>(share[i] >= p_);
      secret[i] = AddMod(secret[i], MontMul(lambda, share[i]));
    }
  }
  if (out_of_range != 0) {
    return absl::InvalidArgumentError(
        fmt::format("a Shamir share element is not below the prime {}", p_));
  }
  return secret;
}

absl::StatusOr<std::vector<SecretVector<uint64_t>>> ShamirScheme::ShareBytes(
    std::span<const uint8_t> secret, SecureRandom& rng) const {
  if (p_ <= (uint64_t{1} << (8 * kBytesPerElement))) {
    return absl::FailedPreconditionError(
        fmt::format("byte sharing needs a prime above 2^56, this scheme uses {}", p_));
  }
  const size_t elements = (secret.size() + kBytesPerElement - 1) / kBytesPerElement;
  SecretVector<uint64_t> packed(elements, 0);
  for (size_t b = 0; b < secret.size(); ++b) {
    packed[b / kBytesPerElement] |= uint64_t{secret[b]} << (8 * (b % kBytesPerElement));
  }
  return Share(packed.span(), rng);
}

absl::StatusOr<SecretBytes> ShamirScheme::ReconstructBytes(
    std::span<const uint32_t> points, std::span<const std::span<const uint64_t>> shares,
    size_t byte_length) const {
  if (p_ <= (uint64_t{1} << (8 * kBytesPerElement))) {
    return absl::FailedPreconditionError(
        fmt::format("byte sharing needs a prime above 2^56, this scheme uses {}", p_));
  }
  const size_t elements = (byte_length + kBytesPerElement - 1) / kBytesPerElement;
  for (size_t k = 0; k < shares.size(); ++k) {
    if (shares[k].size() != elements) {
      return absl::InvalidArgumentError(
          fmt::format("byte share has {} elements, a {}-byte secret needs {}", shares[k].size(),
                      byte_length, elements));
    }
  }
  FEDCLOAK_ASSIGN_OR_RETURN(SecretVector<uint64_t> packed, Reconstruct(points, shares));
  SecretBytes secret(byte_length);
  uint64_t bad = 0;
  for (size_t e = 0; e < elements; ++e) {
    // Bytes past byte_length must be zero: a packed element is below 2^(8 * used).
    const size_t used = std::min(kBytesPerElement, byte_length - e * kBytesPerElement);
    bad |= packed[e] >> (8 * used);
    for (size_t b = 0; b < used; ++b) {
      secret[e * kBytesPerElement + b] = static_cast<uint8_t>(packed[e] >> (8 * b));
    }
  }
  if (bad != 0) {
    return absl::DataLossError(
        "reconstructed Shamir elements are not packed bytes: shares are corrupt or mixed");
  }
  return secret;
}

}  // namespace fedcloak::crypto
