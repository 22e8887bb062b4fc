// A 5x7 bitmap font (digits, capital letters and a little punctuation) for the labels
// of exported charts, so that export needs no font library. Lowercase letters are drawn
// as capitals; other characters as blanks.
#ifndef FEDCLOAK_STORE_BITMAP_FONT_H_
#define FEDCLOAK_STORE_BITMAP_FONT_H_

#include <cstdint>
#include <string_view>

#include "fedcloak/store/png_image.h"

namespace fedcloak::store {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;

// Width in pixels of `text` drawn at `scale` (glyph plus one column of spacing each).
int64_t TextWidth(std::string_view text, int scale);

// Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale block.
void DrawText(RgbImage& image, int64_t x, int64_t y, std::string_view text, int scale, Rgb color);

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_BITMAP_FONT_H_
