// Renders loss and accuracy per round as a line chart (loss on the left axis, accuracy
// from 0 to 1 on the right axis, rounds along the bottom), for `fedcloak export`.
#ifndef FEDCLOAK_STORE_METRICS_CHART_H_
#define FEDCLOAK_STORE_METRICS_CHART_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fedcloak/store/chart_canvas.h"
#include "fedcloak/store/png_image.h"

namespace fedcloak::store {

struct ChartPoint {
  uint64_t round = 0;
  std::optional<double> loss;      // absent (or non-finite): a gap in the loss line
  std::optional<double> accuracy;  // in [0, 1]; absent: a gap in the accuracy line
};

struct ChartStyle {
  uint32_t width = 1000;  // 320..8192
  uint32_t height = 560;  // 240..8192
  std::string title = "LOSS AND ACCURACY PER ROUND";
  std::string loss_label = "LOSS";
  std::string accuracy_label = "ACCURACY";
};

inline constexpr Rgb kLossColor = {31, 119, 180};      // blue
inline constexpr Rgb kAccuracyColor = {255, 127, 14};  // orange

// Points need not be sorted; an empty span gives empty axes. Sizes outside the ranges
// above are clamped.
RgbImage RenderMetricsChart(std::span<const ChartPoint> points, const ChartStyle& style = {});

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_METRICS_CHART_H_
