// A minimal RGB raster and its PNG encoding (8-bit truecolour, no interlace, one IDAT
// chunk compressed with zlib), for the charts `fedcloak export` writes. Plain data;
// not thread-safe.
#ifndef FEDCLOAK_STORE_PNG_IMAGE_H_
#define FEDCLOAK_STORE_PNG_IMAGE_H_

#include <cstdint>
#include <vector>

namespace fedcloak::store {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

class RgbImage {
 public:
  // REQUIRES: 1 <= width, height <= 16384.
  RgbImage(uint32_t width, uint32_t height, Rgb background);

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // row-major RGB

  Rgb Get(uint32_t x, uint32_t y) const;
  // Out-of-range coordinates are ignored (drawing clips).
  void Set(int64_t x, int64_t y, Rgb c);
  // Mixes `c` over the pixel with opacity `alpha` in [0, 1].
  void Blend(int64_t x, int64_t y, Rgb c, double alpha);

 private:
  uint32_t width_;
  uint32_t height_;
  std::vector<uint8_t> pixels_;
};

// The complete PNG file.
std::vector<uint8_t> EncodePng(const RgbImage& image);

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_PNG_IMAGE_H_
