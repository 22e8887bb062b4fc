// Internal helpers shared by the RLWE object loaders: bit-packed RNS polynomials and
// the blob kinds of crypto/rlwe (0x0110-0x013f). Layouts: doc/wire_format.md.
#ifndef FEDCLOAK_CRYPTO_RLWE_RLWE_SERIALIZATION_H_
#define FEDCLOAK_CRYPTO_RLWE_RLWE_SERIALIZATION_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"

namespace fedcloak::crypto {

inline constexpr ObjectKind kRlwePublicKeyShareKind = 0x0111;
inline constexpr ObjectKind kRlweCollectivePublicKeyKind = 0x0112;
inline constexpr ObjectKind kRlweKeyShareEnvelopeKind = 0x0113;
inline constexpr ObjectKind kRlweCiphertextVectorKind = 0x0114;
inline constexpr ObjectKind kRlweDecryptionShareKind = 0x0115;

namespace internal {

// Bytes of one packed RNS polynomial: sum over primes of PackedSize(n, bits(q_i)).
size_t PackedPolySize(const RlweContext& ctx);
// Appends the polynomial (reduced limbs), each limb packed to its prime's width.
void AppendPackedPoly(const RlweContext& ctx, const uint64_t* poly, std::vector<uint8_t>* out);
// Reads one packed polynomial into `poly`; DataLoss naming `field` on a short input or
// a coefficient >= its prime.
absl::Status ReadPackedPoly(const RlweContext& ctx, ByteReader& reader, std::string_view field,
                            uint64_t* poly);

}  // namespace internal
}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_RLWE_SERIALIZATION_H_
