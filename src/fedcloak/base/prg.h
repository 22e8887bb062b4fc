// Prg: a deterministic cryptographic expander. From a 32-byte seed and a context label
// it produces an unbounded stream of pseudorandom bytes: AES-256-CTR (AES-NI through
// OpenSSL 3) keyed with BLAKE2b-256(key = seed, message = "fedcloak.prg.v1" || u64
// label length || label). Bulk masks (SecAgg+) may choose AES-128-CTR, keyed with
// BLAKE2b-128 of the same input: 128-bit security, 1.4x the throughput.
//
// Uses: the public polynomial `a` of the RLWE key (seed public), pairwise and self masks
// of secure aggregation (seed secret), seeded test randomness. Two Prgs with the same
// seed and label produce the same stream; a different label gives an independent stream
// (domain separation). The derived key lives only inside OpenSSL's context, which is
// cleansed on destruction. Not thread-safe; movable, not copyable.
#ifndef FEDCLOAK_BASE_PRG_H_
#define FEDCLOAK_BASE_PRG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "fedcloak/base/secure_random.h"

namespace fedcloak {

class Prg final : public SecureRandom {
 public:
  static constexpr size_t kSeedSize = 32;

  enum class Cipher { kAes256Ctr, kAes128Ctr };

  // `label` names the purpose ("rlwe.a", "secagg.pairwise-mask", ...); any length.
  Prg(std::span<const uint8_t, kSeedSize> seed, std::string_view label,
      Cipher cipher = Cipher::kAes256Ctr);
  ~Prg() override;
  Prg(Prg&&) noexcept;
  Prg& operator=(Prg&&) noexcept;
  Prg(const Prg&) = delete;
  Prg& operator=(const Prg&) = delete;

  void Fill(std::span<uint8_t> out) override;

  // Fills `out` with uniform 32-bit words (little-endian byte order of the stream).
  void FillU32(std::span<uint32_t> out);
  // Fills `out` with uniform 64-bit words.
  void FillU64(std::span<uint64_t> out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_PRG_H_
