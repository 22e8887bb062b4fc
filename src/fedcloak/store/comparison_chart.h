// Renders one metric per round for several runs as a line chart with a legend (for
// example accuracy per round of the plain, secagg and he runs of the same seed), for
// `fedcloak plot`.
#ifndef FEDCLOAK_STORE_COMPARISON_CHART_H_
#define FEDCLOAK_STORE_COMPARISON_CHART_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fedcloak/store/png_image.h"

namespace fedcloak::store {

struct ChartSeries {
  std::string label;
  std::vector<std::pair<uint64_t, double>> points;  // (round, value); non-finite: a gap
};

struct ComparisonStyle {
  uint32_t width = 1000;  // 320..8192
  uint32_t height = 600;  // 240..8192
  std::string title = "ACCURACY PER ROUND";
  std::string y_label = "ACCURACY";
};

// The colour of series i (a fixed palette of 8, repeating).
Rgb SeriesColor(size_t i);

// The y axis covers the finite values of all series (nice ticks); rounds along the
// bottom. Series are drawn in order, each narrower than the one before, so that lines
// that coincide remain visible as nested stripes. Sizes outside the ranges above are
// clamped; empty input gives empty axes.
RgbImage RenderComparisonChart(std::span<const ChartSeries> series,
                               const ComparisonStyle& style = {});

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_COMPARISON_CHART_H_
