#include "fedcloak/store/comparison_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "fedcloak/store/bitmap_font.h"
#include "fedcloak/store/chart_canvas.h"

namespace fedcloak::store {

Rgb SeriesColor(size_t i) {
  static constexpr std::array<Rgb, 8> kPalette = {{{31, 119, 180},
                                                   {255, 127, 14},
                                                   {44, 160, 44},
                                                   {214, 39, 40},
                                                   {148, 103, 189},
                                                   {140, 86, 75},
                                                   {227, 119, 194},
                                                   {23, 190, 207}}};
  return kPalette[i % kPalette.size()];
}

RgbImage RenderComparisonChart(std::span<const ChartSeries> series, const ComparisonStyle& style) {
  const uint32_t w = std::clamp<uint32_t>(style.width, 320, 8192);
  const uint32_t h = std::clamp<uint32_t>(style.height, 240, 8192);
  RgbImage img(w, h, kChartWhite);
  const double left = 96, right = w - 40.0, top = 78, bottom = h - 70.0;
  const int glyph_h = kGlyphHeight * kChartTextScale;

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const ChartSeries& s : series) {
    for (const auto& [round, v] : s.points) {
      x_lo = std::min(x_lo, static_cast<double>(round));
      x_hi = std::max(x_hi, static_cast<double>(round));
      if (!std::isfinite(v)) continue;
      y_lo = std::min(y_lo, v);
      y_hi = std::max(y_hi, v);
    }
  }
  if (!std::isfinite(x_lo)) x_lo = 1, x_hi = 10;
  if (x_hi - x_lo < 1) x_lo = std::max(0.0, x_lo - 1), x_hi = x_lo + 2;
  if (!std::isfinite(y_lo)) y_lo = 0, y_hi = 1;
  if (y_hi <= y_lo) y_lo -= 0.5, y_hi += 0.5;

  std::vector<double> xt = NiceTicks(x_lo, x_hi, 10);
  if (xt.size() > 2 && xt[1] - xt[0] < 1) xt = NiceTicks(x_lo, x_hi, 2);
  const std::vector<double> yt = NiceTicks(y_lo, y_hi, 6);
  const ChartAxis x_axis{xt.front(), xt.back(), left, right};
  const ChartAxis y_axis{yt.front(), yt.back(), bottom, top};

  FillRect(img, static_cast<int64_t>(left), static_cast<int64_t>(top), static_cast<int64_t>(right),
           static_cast<int64_t>(bottom), kChartPlotBackground);
  DrawValueAxis(img, yt, y_axis, left, right, kChartText);
  DrawRoundAxis(img, xt, x_axis, left, right, top, bottom);
  DrawText(img, static_cast<int64_t>(left) - 60, static_cast<int64_t>(top) - 26, style.y_label,
           kChartTextScale, kChartText);
  DrawText(img, static_cast<int64_t>(w) / 2 - TextWidth(style.title, 3) / 2, 14, style.title, 3,
           kChartText);

  // Lines, widest first.
  const size_t n = series.size();
  for (size_t i = 0; i < n; ++i) {
    const double width = 2.5 + 3.5 * static_cast<double>(n - 1 - i);
    std::vector<std::pair<uint64_t, double>> points = series[i].points;
    std::sort(points.begin(), points.end());
    std::optional<std::pair<double, double>> prev;
    for (const auto& [round, v] : points) {
      if (!std::isfinite(v)) {
        prev.reset();
        continue;
      }
      const double x = x_axis.Map(static_cast<double>(round)), y = y_axis.Map(v);
      if (prev) DrawSegment(img, prev->first, prev->second, x, y, width, SeriesColor(i));
      if (points.size() == 1) DrawSegment(img, x, y, x, y, width + 4, SeriesColor(i));
      prev = std::make_pair(x, y);
    }
  }

  // Legend, bottom right inside the plot: a swatch and the label per series.
  const int64_t row = glyph_h + 10;
  int64_t label_w = 0;
  for (const ChartSeries& s : series) {
    label_w = std::max(label_w, TextWidth(s.label, kChartTextScale));
  }
  const int64_t box_w = label_w + 60, box_h = row * static_cast<int64_t>(n) + 12;
  const int64_t box_x = static_cast<int64_t>(right) - box_w - 16;
  const int64_t box_y = static_cast<int64_t>(bottom) - box_h - 16;
  if (n > 0) {
    FillRect(img, box_x, box_y, box_x + box_w, box_y + box_h, kChartWhite);
    for (size_t i = 0; i < n; ++i) {
      const int64_t y = box_y + 8 + row * static_cast<int64_t>(i);
      FillRect(img, box_x + 10, y + glyph_h / 2 - 3, box_x + 40, y + glyph_h / 2 + 3,
               SeriesColor(i));
      DrawText(img, box_x + 50, y, series[i].label, kChartTextScale, kChartText);
    }
  }
  return img;
}

}  // namespace fedcloak::store
