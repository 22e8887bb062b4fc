#include "fedcloak/crypto/rlwe/rlwe_serialization.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/bit_packing.h"

namespace fedcloak::crypto::internal {

size_t PackedPolySize(const RlweContext& ctx) {
  size_t size = 0;
  for (size_t i = 0; i < ctx.num_primes(); ++i) size += PackedSize(ctx.n(), ctx.modulus(i).bits());
  return size;
}

void AppendPackedPoly(const RlweContext& ctx, const uint64_t* poly, std::vector<uint8_t>* out) {
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    AppendPackedBits(std::span<const uint64_t>(poly + i * ctx.n(), ctx.n()), ctx.modulus(i).bits(),
                     out);
  }
}

absl::Status ReadPackedPoly(const RlweContext& ctx, ByteReader& reader, std::string_view field,
                            uint64_t* poly) {
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    const int width = ctx.modulus(i).bits();
    std::span<const uint8_t> bytes;
    FEDCLOAK_RETURN_IF_ERROR(reader.ReadBytes(field, PackedSize(ctx.n(), width), &bytes));
    FEDCLOAK_RETURN_IF_ERROR(UnpackBits(bytes, width, ctx.modulus(i).value() - 1,
                                        std::span<uint64_t>(poly + i * ctx.n(), ctx.n()), field));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::crypto::internal
