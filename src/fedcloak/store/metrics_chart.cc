#include "fedcloak/store/metrics_chart.h"

#include <algorithm>
#include <cmath>

#include "fedcloak/store/bitmap_font.h"
#include "fedcloak/store/chart_canvas.h"

namespace fedcloak::store {

RgbImage RenderMetricsChart(std::span<const ChartPoint> points_in, const ChartStyle& style) {
  const uint32_t w = std::clamp<uint32_t>(style.width, 320, 8192);
  const uint32_t h = std::clamp<uint32_t>(style.height, 240, 8192);
  RgbImage img(w, h, kChartWhite);
  std::vector<ChartPoint> points(points_in.begin(), points_in.end());
  std::sort(points.begin(), points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.round < b.round; });

  const double left = 96, right = w - 96.0, top = 78, bottom = h - 70.0;
  const int glyph_h = kGlyphHeight * kChartTextScale;

  // Data ranges.
  double round_lo = points.empty() ? 1 : static_cast<double>(points.front().round);
  double round_hi = points.empty() ? 10 : static_cast<double>(points.back().round);
  if (round_hi - round_lo < 1) {
    round_lo = std::max(0.0, round_lo - 1);
    round_hi = round_lo + 2;
  }
  double loss_lo = 0, loss_hi = 0;
  for (const ChartPoint& p : points) {
    if (p.loss && std::isfinite(*p.loss)) {
      loss_lo = std::min(loss_lo, *p.loss);
      loss_hi = std::max(loss_hi, *p.loss);
    }
  }
  if (loss_hi <= loss_lo) loss_hi = loss_lo + 1;

  std::vector<double> xt = NiceTicks(round_lo, round_hi, 10);
  if (xt.size() > 2 && xt[1] - xt[0] < 1) xt = NiceTicks(round_lo, round_hi, 2);
  const std::vector<double> lt = NiceTicks(loss_lo, loss_hi, 5);
  const std::vector<double> at = NiceTicks(0, 1, 5);
  const ChartAxis x_axis{xt.front(), xt.back(), left, right};
  const ChartAxis loss_axis{lt.front(), lt.back(), bottom, top};
  const ChartAxis acc_axis{0, 1, bottom, top};

  // Frame, grid, ticks, labels.
  FillRect(img, static_cast<int64_t>(left), static_cast<int64_t>(top), static_cast<int64_t>(right),
           static_cast<int64_t>(bottom), kChartPlotBackground);
  DrawValueAxis(img, lt, loss_axis, left, right, kLossColor);
  for (double v : at) {
    const double y = std::round(acc_axis.Map(v));
    DrawSegment(img, right, y, right + 6, y, 1.5, kChartAxis);
    DrawText(img, static_cast<int64_t>(right) + 12, static_cast<int64_t>(y) - glyph_h / 2,
             TickLabel(v), kChartTextScale, kAccuracyColor);
  }
  DrawRoundAxis(img, xt, x_axis, left, right, top, bottom);
  DrawSegment(img, right, top, right, bottom, 1.5, kChartAxis);
  DrawSegment(img, left, top, right, top, 1, kChartGrid);
  DrawText(img, static_cast<int64_t>(left) - 60, static_cast<int64_t>(top) - 26, style.loss_label,
           kChartTextScale, kLossColor);
  DrawText(img, static_cast<int64_t>(right) + 60 - TextWidth(style.accuracy_label, kChartTextScale),
           static_cast<int64_t>(top) - 26, style.accuracy_label, kChartTextScale, kAccuracyColor);
  DrawText(img, static_cast<int64_t>(w) / 2 - TextWidth(style.title, 3) / 2, 14, style.title, 3,
           kChartText);

  // The two series: lines between consecutive available values, markers when sparse.
  const bool markers = points.size() <= 60;
  auto draw_series = [&](auto value, const ChartAxis& y_axis, Rgb color) {
    std::optional<std::pair<double, double>> prev;
    for (const ChartPoint& p : points) {
      const std::optional<double> v = value(p);
      if (!v || !std::isfinite(*v)) {
        prev.reset();
        continue;
      }
      const double x = x_axis.Map(static_cast<double>(p.round)), y = y_axis.Map(*v);
      if (prev) DrawSegment(img, prev->first, prev->second, x, y, 2.5, color);
      if (markers) DrawSegment(img, x, y, x, y, 7, color);
      prev = std::make_pair(x, y);
    }
  };
  draw_series([](const ChartPoint& p) { return p.loss; }, loss_axis, kLossColor);
  draw_series(
      [](const ChartPoint& p) -> std::optional<double> {
        if (!p.accuracy) return std::nullopt;
        return std::clamp(*p.accuracy, 0.0, 1.0);
      },
      acc_axis, kAccuracyColor);
  return img;
}

}  // namespace fedcloak::store
