#include "fedcloak/store/comparison_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace fedcloak::store {
namespace {

// Pixels within a small distance of colour c (anti-aliased edges excluded) in rows
// [y0, y1).
size_t CountColor(const RgbImage& img, Rgb c, uint32_t y0, uint32_t y1) {
  size_t n = 0;
  for (uint32_t y = y0; y < y1 && y < img.height(); ++y) {
    for (uint32_t x = 0; x < img.width(); ++x) {
      const Rgb p = img.Get(x, y);
      const int d = std::abs(p.r - c.r) + std::abs(p.g - c.g) + std::abs(p.b - c.b);
      if (d <= 24) ++n;
    }
  }
  return n;
}

ChartSeries Constant(const std::string& label, double v, uint64_t rounds) {
  ChartSeries s{label, {}};
  for (uint64_t r = 1; r <= rounds; ++r) s.points.emplace_back(r, v);
  return s;
}

TEST(ComparisonChartTest, CoincidingSeriesStayVisibleAsNestedStripes) {
  // Three identical series (the secure modes matching plain): each colour must show.
  const std::vector<ChartSeries> series = {Constant("PLAIN", 0.5, 20), Constant("SECAGG", 0.5, 20),
                                           Constant("HE", 0.5, 20)};
  const RgbImage img = RenderComparisonChart(series);
  EXPECT_EQ(img.width(), 1000u);
  EXPECT_EQ(img.height(), 600u);
  for (size_t i = 0; i < series.size(); ++i) {
    // Far more than the legend swatch (30 x 6 pixels): the line itself shows.
    EXPECT_GT(CountColor(img, SeriesColor(i), 0, img.height()), 1000u) << "series " << i;
  }
}

TEST(ComparisonChartTest, HigherValuesAreDrawnHigher) {
  const std::vector<ChartSeries> series = {Constant("LOW", 0.1, 10), Constant("HIGH", 0.9, 10)};
  const RgbImage img = RenderComparisonChart(series);
  const uint32_t mid = img.height() / 2;
  // HIGH's line lies in the upper half, LOW's in the lower half (the legend, bottom
  // right, holds a swatch of each: compare line-sized counts).
  EXPECT_GT(CountColor(img, SeriesColor(1), 0, mid), 1000u);
  EXPECT_LT(CountColor(img, SeriesColor(1), mid, img.height()), 400u);
  EXPECT_GT(CountColor(img, SeriesColor(0), mid, img.height()), 1000u);
  EXPECT_EQ(CountColor(img, SeriesColor(0), 0, mid), 0u);
}

TEST(ComparisonChartTest, EmptyAndDegenerateInputsRender) {
  const RgbImage empty = RenderComparisonChart({});
  EXPECT_EQ(empty.width(), 1000u);
  std::vector<ChartSeries> odd = {
      {"NAN", {{1, std::numeric_limits<double>::quiet_NaN()}}}, {"ONE", {{3, 0.7}}}, {"NONE", {}}};
  ComparisonStyle tiny;
  tiny.width = 10;  // clamped to 320
  tiny.height = 10;
  const RgbImage img = RenderComparisonChart(odd, tiny);
  EXPECT_EQ(img.width(), 320u);
  EXPECT_EQ(img.height(), 240u);
  EXPECT_GT(CountColor(img, SeriesColor(1), 0, img.height()), 0u);  // a single point shows
}

}  // namespace
}  // namespace fedcloak::store
