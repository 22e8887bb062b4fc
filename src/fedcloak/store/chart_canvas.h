// Drawing primitives shared by the exported charts (metrics_chart.h, comparison_chart.h):
// anti-aliased segments, filled rectangles, axis mapping, tick positions and labels.
#ifndef FEDCLOAK_STORE_CHART_CANVAS_H_
#define FEDCLOAK_STORE_CHART_CANVAS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fedcloak/store/png_image.h"

namespace fedcloak::store {

inline constexpr Rgb kChartWhite = {255, 255, 255};
inline constexpr Rgb kChartPlotBackground = {249, 250, 252};
inline constexpr Rgb kChartGrid = {226, 229, 234};
inline constexpr Rgb kChartAxis = {110, 116, 126};
inline constexpr Rgb kChartText = {55, 60, 68};
inline constexpr int kChartTextScale = 2;

// Anti-aliased segment of the given width (coverage from the distance to the segment).
// A zero-length segment of width w is a dot of diameter w.
void DrawSegment(RgbImage& img, double xa, double ya, double xb, double yb, double width, Rgb c);

// Pixels [x0, x1) x [y0, y1), clipped to the image.
void FillRect(RgbImage& img, int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c);

// "0" for values within 1e-12 of zero, else up to four significant digits.
std::string TickLabel(double v);

// Linear map from a data range to a pixel range.
struct ChartAxis {
  double lo, hi;          // data range covered by the ticks
  double pix_lo, pix_hi;  // pixel positions of lo and hi
  double Map(double v) const { return pix_lo + (v - lo) / (hi - lo) * (pix_hi - pix_lo); }
};

// The value axis on the left of a plot area [left, right]: grid lines across the plot and
// ticks labelled in `label_color` at `ticks` (mapped by `y_axis`).
void DrawValueAxis(RgbImage& img, const std::vector<double>& ticks, const ChartAxis& y_axis,
                   double left, double right, Rgb label_color);

// The round axis at the bottom of a plot area [left, right] x [top, bottom]: grid lines
// and labelled ticks at `ticks` (mapped by `x_axis`), the "ROUND" caption, and the left
// and bottom frame lines.
void DrawRoundAxis(RgbImage& img, const std::vector<double>& ticks, const ChartAxis& x_axis,
                   double left, double right, double top, double bottom);

// Ticks for [lo, hi]: multiples of 1, 2 or 5 x 10^k, about `target` of them, covering
// the range (first <= lo, last >= hi).
std::vector<double> NiceTicks(double lo, double hi, int target);

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_CHART_CANVAS_H_
