// `fedcloak plot --out FILE.png [--metric NAME] LABEL=rounds.csv ...`: one metric per
// round of several runs in one PNG chart (for example central accuracy of the plain,
// secagg and he runs of the same seed). Reads the rounds.csv files that `simulate` and
// `coordinator` write (doc/configuration.md, "Outputs").
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/status.h"
#include "fedcloak/cli/commands.h"
#include "fedcloak/store/checkpoint_file.h"
#include "fedcloak/store/comparison_chart.h"

namespace fedcloak::cli {
namespace {

constexpr size_t kMaxCsvBytes = 64 << 20;
constexpr size_t kMaxSeries = 8;

struct PlotArgs {
  std::vector<std::string> series;  // LABEL=PATH
  std::string metric = "central_accuracy";
  std::string title;
  std::string out;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// The (round, value) pairs of `metric` in a rounds.csv; empty cells are skipped (a
// failed round, or a metric the run did not compute).
absl::StatusOr<std::vector<std::pair<uint64_t, double>>> ReadMetric(const std::string& path,
                                                                    const std::string& metric) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("cannot read {}", path));
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > kMaxCsvBytes) {
    return absl::InvalidArgumentError(fmt::format(
        "{} is {} bytes, more than the {} a metrics file may have", path, size, kMaxCsvBytes));
  }
  in.seekg(0);
  std::string line;
  if (!std::getline(in, line)) return absl::InvalidArgumentError(fmt::format("{} is empty", path));
  const std::vector<std::string> header = SplitCsvLine(line);
  if (header.empty() || header[0] != "round") {
    return absl::InvalidArgumentError(
        fmt::format("{}:1: not a rounds.csv (the first column must be \"round\")", path));
  }
  size_t column = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == metric) column = i;
  }
  if (column == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}:1: no column \"{}\" (columns: {})", path, metric, fmt::join(header, ", ")));
  }
  std::vector<std::pair<uint64_t, double>> points;
  for (size_t line_no = 2; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    const std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() != header.size()) {
      return absl::InvalidArgumentError(fmt::format("{}:{}: {} fields, the header has {}", path,
                                                    line_no, f.size(), header.size()));
    }
    if (f[column].empty()) continue;
    char* end = nullptr;
    const unsigned long long round = std::strtoull(f[0].c_str(), &end, 10);
    if (f[0].empty() || *end != '\0') {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: round \"{}\" is not a number", path, line_no, f[0]));
    }
    const double value = std::strtod(f[column].c_str(), &end);
    if (*end != '\0' || !std::isfinite(value)) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: {} \"{}\" is not a finite number", path, line_no, metric, f[column]));
    }
    points.emplace_back(round, value);
  }
  return points;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

int RunPlot(const PlotArgs& a) {
  if (a.series.empty() || a.series.size() > kMaxSeries) {
    std::fprintf(stderr, "fedcloak plot: give 1 to %zu LABEL=rounds.csv series, got %zu\n",
                 kMaxSeries, a.series.size());
    return kExitUsage;
  }
  std::vector<store::ChartSeries> series;
  for (const std::string& s : a.series) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      std::fprintf(stderr, "fedcloak plot: series \"%s\" is not LABEL=PATH\n", s.c_str());
      return kExitUsage;
    }
    auto points = ReadMetric(s.substr(eq + 1), a.metric);
    if (!points.ok()) {
      std::fprintf(stderr, "fedcloak plot: %s\n", std::string(points.status().message()).c_str());
      return kExitUsage;
    }
    series.push_back(store::ChartSeries{Upper(s.substr(0, eq)), *std::move(points)});
  }
  store::ComparisonStyle style;
  style.y_label = Upper(a.metric);
  style.title = a.title.empty() ? Upper(a.metric) + " PER ROUND" : Upper(a.title);
  const std::vector<uint8_t> png = store::EncodePng(store::RenderComparisonChart(series, style));
  if (auto s = store::WriteFileAtomically(a.out, png); !s.ok()) {
    std::fprintf(stderr, "fedcloak plot: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  std::printf("wrote %s (%zu series, %s)\n", a.out.c_str(), series.size(), a.metric.c_str());
  return kExitOk;
}

}  // namespace

void AddPlotCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand("plot", "Chart one metric per round of several runs (PNG)");
  cmd->add_option("series", args->series, "LABEL=path/to/rounds.csv, one per run")->required();
  cmd->add_option("--metric", args->metric,
                  "Column of rounds.csv (central_accuracy, eval_accuracy, eval_loss, ...)")
      ->capture_default_str();
  cmd->add_option("--title", args->title, "Chart title (default: the metric)");
  cmd->add_option("--out", args->out, "PNG file to write")->required();
  registry.Register(cmd, [args] { return RunPlot(*args); });
}

}  // namespace fedcloak::cli
