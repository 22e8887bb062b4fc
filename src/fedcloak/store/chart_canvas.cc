#include "fedcloak/store/chart_canvas.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fedcloak/store/bitmap_font.h"

namespace fedcloak::store {

void DrawSegment(RgbImage& img, double xa, double ya, double xb, double yb, double width, Rgb c) {
  const double r = width / 2;
  const auto x_lo = static_cast<int64_t>(std::floor(std::min(xa, xb) - r - 1));
  const auto x_hi = static_cast<int64_t>(std::ceil(std::max(xa, xb) + r + 1));
  const auto y_lo = static_cast<int64_t>(std::floor(std::min(ya, yb) - r - 1));
  const auto y_hi = static_cast<int64_t>(std::ceil(std::max(ya, yb) + r + 1));
  const double dx = xb - xa, dy = yb - ya;
  const double len2 = dx * dx + dy * dy;
  for (int64_t y = y_lo; y <= y_hi; ++y) {
    for (int64_t x = x_lo; x <= x_hi; ++x) {
      const double px = static_cast<double>(x) + 0.5, py = static_cast<double>(y) + 0.5;
      double t = len2 > 0 ? ((px - xa) * dx + (py - ya) * dy) / len2 : 0;
      t = std::clamp(t, 0.0, 1.0);
      const double d = std::hypot(px - (xa + t * dx), py - (ya + t * dy));
      img.Blend(x, y, c, std::clamp(r + 0.5 - d, 0.0, 1.0));
    }
  }
}

void FillRect(RgbImage& img, int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c) {
  for (int64_t y = y0; y < y1; ++y) {
    for (int64_t x = x0; x < x1; ++x) img.Set(x, y, c);
  }
}

std::string TickLabel(double v) {
  if (std::fabs(v) < 1e-12) return "0";
  return fmt::format("{:.4g}", v);
}

void DrawValueAxis(RgbImage& img, const std::vector<double>& ticks, const ChartAxis& y_axis,
                   double left, double right, Rgb label_color) {
  const int glyph_h = kGlyphHeight * kChartTextScale;
  for (double v : ticks) {
    const double y = std::round(y_axis.Map(v));
    DrawSegment(img, left, y, right, y, 1, kChartGrid);
    DrawSegment(img, left - 6, y, left, y, 1.5, kChartAxis);
    const std::string s = TickLabel(v);
    DrawText(img, static_cast<int64_t>(left) - 12 - TextWidth(s, kChartTextScale),
             static_cast<int64_t>(y) - glyph_h / 2, s, kChartTextScale, label_color);
  }
}

void DrawRoundAxis(RgbImage& img, const std::vector<double>& ticks, const ChartAxis& x_axis,
                   double left, double right, double top, double bottom) {
  for (double v : ticks) {
    const double x = std::round(x_axis.Map(v));
    DrawSegment(img, x, top, x, bottom, 1, kChartGrid);
    DrawSegment(img, x, bottom, x, bottom + 6, 1.5, kChartAxis);
    const std::string s = TickLabel(v);
    DrawText(img, static_cast<int64_t>(x) - TextWidth(s, kChartTextScale) / 2,
             static_cast<int64_t>(bottom) + 12, s, kChartTextScale, kChartText);
  }
  DrawSegment(img, left, top, left, bottom, 1.5, kChartAxis);
  DrawSegment(img, left, bottom, right, bottom, 1.5, kChartAxis);
  DrawText(img, static_cast<int64_t>((left + right) / 2) - TextWidth("ROUND", kChartTextScale) / 2,
           static_cast<int64_t>(bottom) + 38, "ROUND", kChartTextScale, kChartText);
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  target = std::max(target, 2);
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw * 0.999) {
      step = m * mag;
      break;
    }
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  std::vector<double> ticks;
  for (double v = first; ticks.empty() || ticks.back() < hi - 1e-9 * step; v += step) {
    ticks.push_back(std::round(v / step) * step);
    if (ticks.size() > 100) break;
  }
  return ticks;
}

}  // namespace fedcloak::store
