#include "fedcloak/store/png_image.h"

#include <zlib.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

uint32_t BigEndian32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

// Bitwise CRC-32 (reflected polynomial 0xedb88320), written from the PNG specification's
// annex D independently of zlib, which the encoder uses.
uint32_t ReferenceCrc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xffffffffu;
}

struct Chunk {
  std::string type;
  std::vector<uint8_t> data;
};

// Splits a PNG into chunks, checking every CRC.
std::vector<Chunk> ParseChunks(const std::vector<uint8_t>& png) {
  std::vector<Chunk> chunks;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    const uint32_t len = BigEndian32(png, at);
    EXPECT_LE(at + 12 + len, png.size());
    Chunk c;
    c.type.assign(png.begin() + static_cast<std::ptrdiff_t>(at + 4),
                  png.begin() + static_cast<std::ptrdiff_t>(at + 8));
    c.data.assign(png.begin() + static_cast<std::ptrdiff_t>(at + 8),
                  png.begin() + static_cast<std::ptrdiff_t>(at + 8 + len));
    EXPECT_EQ(BigEndian32(png, at + 8 + len), ReferenceCrc32(png.data() + at + 4, 4 + len))
        << "CRC of chunk " << c.type;
    chunks.push_back(std::move(c));
    at += 12 + len;
  }
  EXPECT_EQ(at, png.size());
  return chunks;
}

TEST(StorePngTest, ReferenceCrcMatchesTheSpecsIendChunk) {
  // Every PNG ends with 00 00 00 00 'IEND' ae 42 60 82 (the CRC of "IEND").
  const uint8_t iend[] = {'I', 'E', 'N', 'D'};
  EXPECT_EQ(ReferenceCrc32(iend, 4), 0xae426082u);
}

TEST(StorePngTest, EncodesHeaderChunksAndPixels) {
  RgbImage img(7, 3, {255, 255, 255});
  img.Set(0, 0, {255, 0, 0});
  img.Set(6, 2, {0, 0, 255});
  img.Blend(3, 1, {0, 0, 0}, 0.5);
  img.Set(-1, 0, {1, 2, 3});  // clipped
  img.Set(7, 0, {1, 2, 3});   // clipped
  EXPECT_EQ(img.Get(3, 1), (Rgb{128, 128, 128}));

  const std::vector<uint8_t> png = EncodePng(img);
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(std::vector<uint8_t>(png.begin(), png.begin() + 8),
            (std::vector<uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}));
  const auto chunks = ParseChunks(png);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  ASSERT_EQ(chunks[0].data.size(), 13u);
  EXPECT_EQ(BigEndian32(chunks[0].data, 0), 7u);
  EXPECT_EQ(BigEndian32(chunks[0].data, 4), 3u);
  EXPECT_THAT(std::vector<uint8_t>(chunks[0].data.begin() + 8, chunks[0].data.end()),
              ::testing::ElementsAre(8, 2, 0, 0, 0));
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_TRUE(chunks[2].data.empty());

  // Inflate and compare the scanlines (filter byte 0, then RGB).
  std::vector<uint8_t> raw(3 * (1 + 7 * 3));
  uLongf raw_len = static_cast<uLongf>(raw.size());
  ASSERT_EQ(uncompress(raw.data(), &raw_len, chunks[1].data.data(),
                       static_cast<uLong>(chunks[1].data.size())),
            Z_OK);
  ASSERT_EQ(raw_len, raw.size());
  for (uint32_t y = 0; y < 3; ++y) {
    EXPECT_EQ(raw[y * 22], 0);
    for (uint32_t x = 0; x < 7; ++x) {
      const Rgb p = img.Get(x, y);
      const size_t at = y * 22 + 1 + x * 3;
      EXPECT_EQ((Rgb{raw[at], raw[at + 1], raw[at + 2]}), p) << x << "," << y;
    }
  }
  EXPECT_EQ(img.Get(0, 0), (Rgb{255, 0, 0}));
  EXPECT_EQ(img.Get(6, 2), (Rgb{0, 0, 255}));
}

}  // namespace
}  // namespace fedcloak::store
