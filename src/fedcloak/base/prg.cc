#include "fedcloak/base/prg.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "fedcloak/base/check.h"

namespace fedcloak {
namespace {

constexpr std::string_view kDomain = "fedcloak.prg.v1";
// large outputs are encrypted in place in one call.

}  // namespace

struct Prg::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~Impl() { EVP_CIPHER_CTX_free(ctx); }  // EVP_CIPHER_CTX_free cleanses the key schedule.
};

Prg::Prg(std::span<const uint8_t, kSeedSize> seed, std::string_view label, Cipher cipher)
    : impl_(std::make_unique<Impl>()) {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
  std::array<uint8_t, 32> key;
  const size_t key_size = cipher == Cipher::kAes128Ctr ? 16 : 32;
  crypto_generichash_state state;
  crypto_generichash_init(&state, seed.data(), seed.size(), key_size);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kDomain.data()),
                            kDomain.size());
  // Length-prefix the label so that ("ab", "c") and ("a", "bc") style ambiguities
  // cannot arise if labels are ever composed.
  const uint64_t label_size = label.size();
  uint8_t size_bytes[8];
  for (int i = 0; i < 8; ++i) size_bytes[i] = static_cast<uint8_t>(label_size >> (8 * i));
  crypto_generichash_update(&state, size_bytes, sizeof(size_bytes));
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(label.data()), label.size());
  crypto_generichash_final(&state, key.data(), key_size);
  sodium_memzero(&state, sizeof(state));

  const std::array<uint8_t, 16> iv{};
  impl_->ctx = EVP_CIPHER_CTX_new();
  FEDCLOAK_CHECK(impl_->ctx != nullptr, "EVP_CIPHER_CTX_new failed");
  FEDCLOAK_CHECK(
      EVP_EncryptInit_ex(impl_->ctx,
                         cipher == Cipher::kAes128Ctr ? EVP_aes_128_ctr() : EVP_aes_256_ctr(),
                         nullptr, key.data(), iv.data()) == 1,
      "AES-CTR init failed");
  sodium_memzero(key.data(), key.size());
}

Prg::~Prg() = default;
Prg::Prg(Prg&&) noexcept = default;
Prg& Prg::operator=(Prg&&) noexcept = default;

void Prg::Fill(std::span<uint8_t> out) {
  FEDCLOAK_CHECK(impl_ != nullptr, "use of a moved-from Prg");
  // CTR mode: keystream = AES(counter); encrypting zeros yields the keystream. Reading
  // the zeros from a constant buffer saves a pass over `out` (no memset first).
  static constexpr size_t kZeroBytes = 64 * 1024;
  alignas(64) static const uint8_t kZeros[kZeroBytes] = {};
  size_t done = 0;
  while (done < out.size()) {
    const size_t n = std::min(out.size() - done, kZeroBytes);
    int written = 0;
    FEDCLOAK_CHECK(EVP_EncryptUpdate(impl_->ctx, out.data() + done, &written, kZeros,
                                     static_cast<int>(n)) == 1,
                   "AES-CTR update failed");
    FEDCLOAK_CHECK(static_cast<size_t>(written) == n, "AES-CTR short output");
    done += n;
  }
}

void Prg::FillU32(std::span<uint32_t> out) {
  static_assert(std::endian::native == std::endian::little, "fedcloak assumes little-endian");
  Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
}

void Prg::FillU64(std::span<uint64_t> out) {
  Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
}

}  // namespace fedcloak
