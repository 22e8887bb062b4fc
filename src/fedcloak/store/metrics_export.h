// What `fedcloak status` and `fedcloak export` show of a run store: text tables of runs
// and rounds, the metrics of a run as CSV, and a PNG chart of loss and accuracy per
// round. Library code: the functions return text or write files, they never print.
#ifndef FEDCLOAK_STORE_METRICS_EXPORT_H_
#define FEDCLOAK_STORE_METRICS_EXPORT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/store/metrics_chart.h"
#include "fedcloak/store/run_store.h"

namespace fedcloak::store {

// Aligned text tables, one line per run / round, with a header line.
std::string FormatRunsTable(std::span<const RunSummary> runs);
std::string FormatRoundsTable(std::span<const RoundRow> rounds);

// RFC 4180 CSV with a header line: round, status, error, selected, survivors, dropouts
// (counts), train_loss, federated_{loss,accuracy,auc}, central_{loss,accuracy,auc},
// epsilon, seconds, bytes_to_sites, bytes_from_sites. Absent values are empty fields.
std::string MetricsCsv(std::span<const RoundRow> rounds);

// The chart's series: federated evaluation where the run has any, else central; the
// loss falls back to the training loss for rounds without an evaluation.
std::vector<ChartPoint> ChartPointsFor(std::span<const RoundRow> rounds, std::string* source);

struct ExportedFiles {
  std::string csv;  // <out_dir>/metrics.csv
  std::string png;  // <out_dir>/metrics.png
};

// Writes metrics.csv and metrics.png of `run` into `out_dir` (created if needed), each
// atomically. Everything is read and rendered before the first file is written, so an
// unknown run (NotFound) or an unreadable store leaves `out_dir` untouched.
absl::StatusOr<ExportedFiles> ExportRunMetrics(const RunStore& store, int64_t run,
                                               const std::string& out_dir);

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_METRICS_EXPORT_H_
