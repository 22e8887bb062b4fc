#include "fedcloak/store/metrics_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "fedcloak/base/status.h"
#include "fedcloak/store/checkpoint_file.h"

namespace fedcloak::store {
namespace {

std::string Opt(const std::optional<double>& v, int digits = 4) {
  return v ? fmt::format("{:.{}f}", *v, digits) : "";
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Renders rows of cells as columns padded to their widest cell.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string Megabytes(uint64_t bytes) {
  return fmt::format("{:.2f}", static_cast<double>(bytes) / 1e6);
}

std::optional<double> Loss(const std::optional<fl::LocalMetrics>& m) {
  return m ? std::optional<double>(m->loss) : std::nullopt;
}
std::optional<double> Accuracy(const std::optional<fl::LocalMetrics>& m) {
  return m ? std::optional<double>(m->accuracy) : std::nullopt;
}
std::optional<double> Auc(const std::optional<fl::LocalMetrics>& m) {
  return m ? m->auc : std::nullopt;
}

}  // namespace

std::string FormatRunsTable(std::span<const RunSummary> runs) {
  std::vector<std::vector<std::string>> rows = {
      {"RUN", "NAME", "MODE", "STATUS", "ROUNDS", "LAST", "ACCURACY", "CREATED"}};
  for (const RunSummary& r : runs) {
    rows.push_back({std::to_string(r.info.id), r.info.name, r.info.mode,
                    std::string(RunStatusName(r.info.status)), std::to_string(r.rounds_recorded),
                    r.last_round > 0 ? std::to_string(r.last_round) : "-",
                    r.last_accuracy ? fmt::format("{:.4f}", *r.last_accuracy) : "-",
                    r.info.created});
  }
  return Table(rows);
}

std::string FormatRoundsTable(std::span<const RoundRow> rounds) {
  std::vector<std::vector<std::string>> rows = {{"ROUND", "STATUS", "SITES", "DROPOUTS",
                                                 "TRAIN_LOSS", "LOSS", "ACCURACY", "SECONDS",
                                                 "MB_DOWN", "MB_UP", "EPSILON"}};
  for (const RoundRow& r : rounds) {
    const auto& eval = r.federated ? r.federated : r.central;
    rows.push_back({std::to_string(r.round), r.ok ? "ok" : "FAILED",
                    fmt::format("{}/{}", r.survivors.size(), r.selected.size()),
                    std::to_string(r.dropouts.size()), r.train_loss ? Opt(r.train_loss) : "-",
                    eval ? Opt(Loss(eval)) : "-", eval ? Opt(Accuracy(eval)) : "-",
                    fmt::format("{:.2f}", r.seconds), Megabytes(r.bytes_to_sites),
                    Megabytes(r.bytes_from_sites),
                    r.privacy ? fmt::format("{:.3f}", r.privacy->epsilon) : "-"});
  }
  return Table(rows);
}

std::string MetricsCsv(std::span<const RoundRow> rounds) {
  std::string out =
      "round,status,error,selected,survivors,dropouts,train_loss,federated_loss,"
      "federated_accuracy,federated_auc,central_loss,central_accuracy,central_auc,epsilon,"
      "seconds,bytes_to_sites,bytes_from_sites\n";
  for (const RoundRow& r : rounds) {
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3f},{},{}\n", r.round, r.ok ? "ok" : "failed",
        CsvField(r.error), r.selected.size(), r.survivors.size(), r.dropouts.size(),
        Opt(r.train_loss, 6), Opt(Loss(r.federated), 6), Opt(Accuracy(r.federated), 6),
        Opt(Auc(r.federated), 6), Opt(Loss(r.central), 6), Opt(Accuracy(r.central), 6),
        Opt(Auc(r.central), 6), r.privacy ? fmt::format("{:.6f}", r.privacy->epsilon) : "",
        r.seconds, r.bytes_to_sites, r.bytes_from_sites);
  }
  return out;
}

std::vector<ChartPoint> ChartPointsFor(std::span<const RoundRow> rounds, std::string* source) {
  const bool federated = std::any_of(rounds.begin(), rounds.end(),
                                     [](const RoundRow& r) { return r.federated.has_value(); });
  if (source != nullptr) *source = federated ? "federated" : "central";
  std::vector<ChartPoint> points;
  for (const RoundRow& r : rounds) {
    const auto& eval = federated ? r.federated : r.central;
    ChartPoint p;
    p.round = r.round;
    p.loss = eval ? Loss(eval) : r.train_loss;
    p.accuracy = Accuracy(eval);
    points.push_back(p);
  }
  return points;
}

absl::StatusOr<ExportedFiles> ExportRunMetrics(const RunStore& store, int64_t run,
                                               const std::string& out_dir) {
  FEDCLOAK_ASSIGN_OR_RETURN(RunInfo info, store.GetRun(run));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<RoundRow> rounds, store.ListRounds(run));
  const std::string csv = MetricsCsv(rounds);
  std::string source;
  const std::vector<ChartPoint> points = ChartPointsFor(rounds, &source);
  ChartStyle style;
  style.title = fmt::format("RUN {} ({}, {})", info.id, info.name, info.mode);
  style.loss_label = fmt::format("LOSS ({})", source);
  style.accuracy_label = fmt::format("ACCURACY ({})", source);
  const std::vector<uint8_t> png = EncodePng(RenderMetricsChart(points, style));

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(fmt::format("cannot create {}: {}", out_dir, ec.message()));
  ExportedFiles files{out_dir + "/metrics.csv", out_dir + "/metrics.png"};
  FEDCLOAK_RETURN_IF_ERROR(WriteFileAtomically(
      files.csv, std::span(reinterpret_cast<const uint8_t*>(csv.data()), csv.size())));
  FEDCLOAK_RETURN_IF_ERROR(WriteFileAtomically(files.png, png));
  return files;
}

}  // namespace fedcloak::store
