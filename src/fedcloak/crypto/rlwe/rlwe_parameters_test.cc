#include "fedcloak/crypto/rlwe/rlwe_parameters.h"

#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RlweParametersTest, DefaultsAreValidWithMargin) {
  const RlweParameters p = RlweParameters::Default();
  EXPECT_EQ(p.ring_degree(), 4096u);
  EXPECT_EQ(p.coeff_modulus_bits(), 109);
  EXPECT_EQ(p.plaintext_bits(), 32);
  EXPECT_EQ(p.max_sites(), 1024u);
  EXPECT_GT(p.noise().margin_bits, 3.0) << p.ToString();
  EXPECT_EQ(p.noise().flooding_bits, 62);
  const RlweParameters big = RlweParameters::Default8192();
  EXPECT_EQ(big.ring_degree(), 8192u);
  EXPECT_GT(big.noise().margin_bits, 3.0) << big.ToString();
  EXPECT_NE(p.id(), big.id());
}

TEST(RlweParametersTest, IdDependsOnEveryField) {
  const RlweParameters a = *RlweParameters::CreateFromPrimeSizes(4096, {55, 54}, 32, 1024);
  const RlweParameters b = *RlweParameters::CreateFromPrimeSizes(4096, {55, 54}, 32, 1000);
  const RlweParameters c = *RlweParameters::CreateFromPrimeSizes(4096, {55, 54}, 31, 1024);
  const RlweParameters d = *RlweParameters::CreateFromPrimeSizes(4096, {54, 55}, 32, 1024);
  EXPECT_EQ(a.id(), RlweParameters::Default().id());
  EXPECT_NE(a.id(), b.id());
  EXPECT_NE(a.id(), c.id());
  EXPECT_NE(a.id(), d.id());
}

TEST(RlweParametersTest, RejectsInsecureModulusNamingTheBound) {
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(4096, {55, 55}, 32, 16).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("coefficient modulus of 110 bits exceeds 109 allowed at N=4096")));
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(2048, {55}, 32, 16).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("54 allowed at N=2048")));
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(1024, {27}, 16, 4).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));  // cannot decrypt correctly
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(3000, {40}, 32, 4).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ring degree 3000")));
}

TEST(RlweParametersTest, RejectsSetsThatCannotDecryptCorrectly) {
  // 65536 sites need flooding beyond 2^62.
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(4096, {55, 54}, 32, 65536).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("flooding")));
  // Small q: the flooding of 1024 shares swamps Delta / 2.
  EXPECT_THAT(RlweParameters::CreateFromPrimeSizes(4096, {50, 50}, 32, 1024).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("decryption may fail")));
}

TEST(RlweParametersTest, RejectsBadPrimes) {
  EXPECT_THAT(RlweParameters::Create(4096, {(uint64_t{1} << 61) - 1}, 32, 4).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not 1 mod 2N")));
  const uint64_t p = RlweParameters::Default().primes()[0];
  EXPECT_THAT(RlweParameters::Create(4096, {p, p}, 32, 4).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than once")));
  EXPECT_THAT(RlweParameters::Create(4096, {p + 2}, 32, 4).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::crypto
