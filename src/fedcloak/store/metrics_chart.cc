#include "fedcloak/store/metrics_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fedcloak/store/bitmap_font.h"

namespace fedcloak::store {
namespace {

constexpr Rgb kWhite = {255, 255, 255};
constexpr Rgb kPlotBackground = {249, 250, 252};
constexpr Rgb kGrid = {226, 229, 234};
constexpr Rgb kAxis = {110, 116, 126};
constexpr Rgb kText = {55, 60, 68};
constexpr int kTextScale = 2;

// Anti-aliased segment of the given width: coverage from the distance to the segment.
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
  std::string s = fmt::format("{:.4g}", v);
  return s;
}

struct Axis {
  double lo, hi;          // data range covered by the ticks
  double pix_lo, pix_hi;  // pixel positions of lo and hi
  double Map(double v) const { return pix_lo + (v - lo) / (hi - lo) * (pix_hi - pix_lo); }
};

}  // namespace

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

RgbImage RenderMetricsChart(std::span<const ChartPoint> points_in, const ChartStyle& style) {
  const uint32_t w = std::clamp<uint32_t>(style.width, 320, 8192);
  const uint32_t h = std::clamp<uint32_t>(style.height, 240, 8192);
  RgbImage img(w, h, kWhite);
  std::vector<ChartPoint> points(points_in.begin(), points_in.end());
  std::sort(points.begin(), points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.round < b.round; });

  const double left = 96, right = w - 96.0, top = 78, bottom = h - 70.0;
  const int glyph_h = kGlyphHeight * kTextScale;

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
  const Axis x_axis{xt.front(), xt.back(), left, right};
  const Axis loss_axis{lt.front(), lt.back(), bottom, top};
  const Axis acc_axis{0, 1, bottom, top};

  // Frame, grid, ticks, labels.
  FillRect(img, static_cast<int64_t>(left), static_cast<int64_t>(top), static_cast<int64_t>(right),
           static_cast<int64_t>(bottom), kPlotBackground);
  for (double v : lt) {
    const double y = std::round(loss_axis.Map(v));
    DrawSegment(img, left, y, right, y, 1, kGrid);
    DrawSegment(img, left - 6, y, left, y, 1.5, kAxis);
    const std::string s = TickLabel(v);
    DrawText(img, static_cast<int64_t>(left) - 12 - TextWidth(s, kTextScale),
             static_cast<int64_t>(y) - glyph_h / 2, s, kTextScale, kLossColor);
  }
  for (double v : at) {
    const double y = std::round(acc_axis.Map(v));
    DrawSegment(img, right, y, right + 6, y, 1.5, kAxis);
    DrawText(img, static_cast<int64_t>(right) + 12, static_cast<int64_t>(y) - glyph_h / 2,
             TickLabel(v), kTextScale, kAccuracyColor);
  }
  for (double v : xt) {
    const double x = std::round(x_axis.Map(v));
    DrawSegment(img, x, top, x, bottom, 1, kGrid);
    DrawSegment(img, x, bottom, x, bottom + 6, 1.5, kAxis);
    const std::string s = TickLabel(v);
    DrawText(img, static_cast<int64_t>(x) - TextWidth(s, kTextScale) / 2,
             static_cast<int64_t>(bottom) + 12, s, kTextScale, kText);
  }
  DrawSegment(img, left, top, left, bottom, 1.5, kAxis);
  DrawSegment(img, right, top, right, bottom, 1.5, kAxis);
  DrawSegment(img, left, bottom, right, bottom, 1.5, kAxis);
  DrawSegment(img, left, top, right, top, 1, kGrid);

  DrawText(img, static_cast<int64_t>((left + right) / 2) - TextWidth("ROUND", kTextScale) / 2,
           static_cast<int64_t>(bottom) + 38, "ROUND", kTextScale, kText);
  DrawText(img, static_cast<int64_t>(left) - 60, static_cast<int64_t>(top) - 26, style.loss_label,
           kTextScale, kLossColor);
  DrawText(img, static_cast<int64_t>(right) + 60 - TextWidth(style.accuracy_label, kTextScale),
           static_cast<int64_t>(top) - 26, style.accuracy_label, kTextScale, kAccuracyColor);
  DrawText(img, static_cast<int64_t>(w) / 2 - TextWidth(style.title, 3) / 2, 14, style.title, 3,
           kText);

  // The two series: lines between consecutive available values, markers when sparse.
  const bool markers = points.size() <= 60;
  auto draw_series = [&](auto value, const Axis& y_axis, Rgb color) {
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
