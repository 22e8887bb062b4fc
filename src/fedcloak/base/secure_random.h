// The one randomness interface of fedcloak. Production code draws from SystemRandom
// (libsodium's randombytes, the OS CSPRNG) or from a Prg (a keyed, deterministic,
// cryptographic expander). Non-cryptographic generators appear only in tests.
#ifndef FEDCLOAK_BASE_SECURE_RANDOM_H_
#define FEDCLOAK_BASE_SECURE_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace fedcloak {

// A source of cryptographically strong random bytes. Implementations document their
// thread safety; the helpers below are built on Fill().
class SecureRandom {
 public:
  virtual ~SecureRandom() = default;

  // Fills `out` with random bytes. Never fails: an unusable entropy source aborts.
  virtual void Fill(std::span<uint8_t> out) = 0;

  uint32_t NextU32();
  uint64_t NextU64();

  // Uniform in [0, bound). REQUIRES: bound > 0. Rejection sampling: the number of draws
  // depends on `bound` and on the random values, never on any secret.
  uint64_t UniformBelow(uint64_t bound);
};

// libsodium's randombytes_buf. Stateless and thread-safe.
class SystemRandom final : public SecureRandom {
 public:
  SystemRandom();
  void Fill(std::span<uint8_t> out) override;
};

// A process-wide SystemRandom (it has no mutable state, so sharing it is safe).
SecureRandom& DefaultRandom();

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_SECURE_RANDOM_H_
