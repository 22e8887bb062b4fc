#include "fedcloak/base/prg.h"

#include <array>
#include <cstdint>
#include <vector>

#include "fedcloak/base/hex.h"
#include "gtest/gtest.h"

namespace fedcloak {
namespace {

std::array<uint8_t, 32> CountingSeed() {
  std::array<uint8_t, 32> seed;
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  return seed;
}

std::string Hex(const std::vector<uint8_t>& v) { return ToHex(v); }

// Known answer computed independently of this code: Python's hashlib.blake2b(
// b"fedcloak.prg.v1" + (4).to_bytes(8, "little") + b"test", key=bytes(range(32)),
// digest_size=32) as the key, then `openssl enc -aes-256-ctr -iv 00..00` of 40 zero bytes.
TEST(PrgTest, KnownAnswer) {
  const auto seed = CountingSeed();
  Prg prg(seed, "test");
  std::vector<uint8_t> out(40);
  prg.Fill(out);
  EXPECT_EQ(Hex(out),
            "a4e4b110b0de419f50f71141fa21ff9fb6476c263e550d743d6fdd9dfe867644b0621c7f18d2fc77");
}

// The AES-128 variant, computed the same way: BLAKE2b with digest_size=16 as the key,
// then `openssl enc -aes-128-ctr -iv 00..00` of 40 zero bytes.
TEST(PrgTest, KnownAnswerAes128) {
  const auto seed = CountingSeed();
  Prg prg(seed, "test", Prg::Cipher::kAes128Ctr);
  std::vector<uint8_t> out(40);
  prg.Fill(out);
  EXPECT_EQ(Hex(out),
            "4c85a31dae810657b5c6570c84bc8bd7d98f70f91a166b2a42cf34b87b6b331287d219f0021dbec8");
}

TEST(PrgTest, EmptyFillIsANoOp) {
  const auto seed = CountingSeed();
  Prg a(seed, "e");
  Prg b(seed, "e");
  a.Fill(std::span<uint8_t>());
  std::vector<uint8_t> oa(8), ob(8);
  a.Fill(oa);
  b.Fill(ob);
  EXPECT_EQ(oa, ob);
}

TEST(PrgTest, SameSeedAndLabelGiveSameStreamWhateverTheChunking) {
  const auto seed = CountingSeed();
  Prg a(seed, "rlwe.a");
  Prg b(seed, "rlwe.a");
  std::vector<uint8_t> whole(1000);
  a.Fill(whole);
  std::vector<uint8_t> pieces;
  for (size_t n : {size_t{1}, size_t{7}, size_t{16}, size_t{300}, size_t{676}}) {
    std::vector<uint8_t> part(n);
    b.Fill(part);
    pieces.insert(pieces.end(), part.begin(), part.end());
  }
  EXPECT_EQ(whole, pieces);
}

TEST(PrgTest, LabelsSeparateDomains) {
  const auto seed = CountingSeed();
  std::vector<std::vector<uint8_t>> outs;
  for (const char* label : {"a", "b", "ab", "", "rlwe.a"}) {
    Prg prg(seed, label);
    std::vector<uint8_t> out(32);
    prg.Fill(out);
    outs.push_back(out);
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    for (size_t j = i + 1; j < outs.size(); ++j) EXPECT_NE(outs[i], outs[j]) << i << " " << j;
  }
}

TEST(PrgTest, DifferentSeedsDiffer) {
  auto seed = CountingSeed();
  Prg a(seed, "x");
  seed[31] ^= 1;
  Prg b(seed, "x");
  std::vector<uint8_t> oa(32), ob(32);
  a.Fill(oa);
  b.Fill(ob);
  EXPECT_NE(oa, ob);
}

TEST(PrgTest, WordsAreTheByteStreamInLittleEndian) {
  const auto seed = CountingSeed();
  Prg a(seed, "w");
  Prg b(seed, "w");
  std::vector<uint32_t> words(4);
  a.FillU32(words);
  std::vector<uint8_t> bytes(16);
  b.Fill(bytes);
  for (size_t i = 0; i < 4; ++i) {
    const uint32_t expected = uint32_t{bytes[4 * i]} | uint32_t{bytes[4 * i + 1]} << 8 |
                              uint32_t{bytes[4 * i + 2]} << 16 | uint32_t{bytes[4 * i + 3]} << 24;
    EXPECT_EQ(words[i], expected);
  }
}

TEST(PrgTest, OutputLooksUniform) {
  // A coarse sanity check on 1 MiB: each byte value appears about 4096 times.
  const auto seed = CountingSeed();
  Prg prg(seed, "uniform");
  std::vector<uint8_t> out(1 << 20);
  prg.Fill(out);
  std::array<int, 256> counts{};
  for (uint8_t b : out) ++counts[b];
  for (int c : counts) {
    EXPECT_GT(c, 4096 - 400);
    EXPECT_LT(c, 4096 + 400);
  }
}

}  // namespace
}  // namespace fedcloak
