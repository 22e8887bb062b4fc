#include "fedcloak/store/png_image.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "fedcloak/base/check.h"

namespace fedcloak::store {
namespace {

void PutU32BigEndian(uint32_t v, std::vector<uint8_t>& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// Appends a chunk: length, type, data, CRC-32 over type and data (PNG spec section 5.3).
void AppendChunk(std::string_view type, const std::vector<uint8_t>& data,
                 std::vector<uint8_t>& out) {
  FEDCLOAK_CHECK(type.size() == 4 && data.size() <= 0x7fffffffu);
  PutU32BigEndian(static_cast<uint32_t>(data.size()), out);
  const size_t type_at = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, out.data() + type_at, static_cast<uInt>(out.size() - type_at));
  PutU32BigEndian(static_cast<uint32_t>(crc), out);
}

}  // namespace

RgbImage::RgbImage(uint32_t width, uint32_t height, Rgb background)
    : width_(width), height_(height) {
  FEDCLOAK_CHECK(width >= 1 && width <= 16384 && height >= 1 && height <= 16384,
                 "image size out of range");
  pixels_.resize(size_t{width} * height * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

Rgb RgbImage::Get(uint32_t x, uint32_t y) const {
  FEDCLOAK_CHECK(x < width_ && y < height_);
  const size_t i = (size_t{y} * width_ + x) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void RgbImage::Set(int64_t x, int64_t y, Rgb c) { Blend(x, y, c, 1.0); }

void RgbImage::Blend(int64_t x, int64_t y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || !(alpha > 0)) return;
  alpha = std::min(alpha, 1.0);
  const size_t i = (static_cast<size_t>(y) * width_ + static_cast<size_t>(x)) * 3;
  const uint8_t src[3] = {c.r, c.g, c.b};
  for (size_t k = 0; k < 3; ++k) {
    const double v = alpha * src[k] + (1.0 - alpha) * pixels_[i + k];
    pixels_[i + k] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
  }
}

std::vector<uint8_t> EncodePng(const RgbImage& image) {
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  PutU32BigEndian(image.width(), ihdr);
  PutU32BigEndian(image.height(), ihdr);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // depth 8, truecolour, deflate, filter 0, no interlace
  AppendChunk("IHDR", ihdr, out);

  // Scanlines, each prefixed with filter type 0 (None).
  const size_t stride = size_t{image.width()} * 3;
  std::vector<uint8_t> raw;
  raw.reserve((stride + 1) * image.height());
  for (uint32_t y = 0; y < image.height(); ++y) {
    raw.push_back(0);
    const auto row = image.pixels().begin() + static_cast<std::ptrdiff_t>(y * stride);
    raw.insert(raw.end(), row, row + static_cast<std::ptrdiff_t>(stride));
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> idat(compressed_size);
  FEDCLOAK_CHECK(compress2(idat.data(), &compressed_size, raw.data(),
                           static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) == Z_OK,
                 "zlib compress2 failed");
  idat.resize(compressed_size);
  AppendChunk("IDAT", idat, out);
  AppendChunk("IEND", {}, out);
  return out;
}

}  // namespace fedcloak::store
