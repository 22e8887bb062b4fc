#include "fedcloak/fl/metrics_log.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string_view>

namespace fedcloak::fl {
namespace {

constexpr std::string_view kCsvHeader =
    "round,status,selected,survivors,dropouts,train_loss,eval_loss,eval_accuracy,eval_auc,"
    "central_loss,central_accuracy,central_auc,seconds,bytes_to_sites,bytes_from_sites,"
    "epsilon\n";
// Files an earlier process wrote are read back only up to this size.
constexpr uintmax_t kMaxCarriedBytes = uintmax_t{256} << 20;

std::string Opt(const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : ""; }

nlohmann::json MetricsJson(const LocalMetrics& m) {
  nlohmann::json j = {{"loss", m.loss}, {"accuracy", m.accuracy}, {"examples", m.num_examples}};
  if (m.auc) j["auc"] = *m.auc;
  if (m.precision) j["precision"] = *m.precision;
  if (m.recall) j["recall"] = *m.recall;
  return j;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::InternalError(fmt::format("cannot write {}", tmp));
    out << content;
    out.flush();
    if (!out) return absl::InternalError(fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return absl::InternalError(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  return absl::OkStatus();
}

}  // namespace

MetricsLog::MetricsLog(std::string dir, std::string run_name, std::string mode)
    : csv_path_(dir + "/rounds.csv"),
      json_path_(dir + "/rounds.json"),
      run_name_(std::move(run_name)),
      mode_(std::move(mode)) {}

absl::StatusOr<std::unique_ptr<MetricsLog>> MetricsLog::Open(const std::string& dir,
                                                             const std::string& run_name,
                                                             const std::string& mode,
                                                             uint64_t first_round) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(fmt::format("cannot create {}: {}", dir, ec.message()));
  auto log = std::unique_ptr<MetricsLog>(new MetricsLog(dir, run_name, mode));
  std::string kept_rows;
  if (first_round > 1 && !log->CarryOver(first_round, &kept_rows)) {
    kept_rows.clear();
    log->json_rounds_.clear();
  }
  std::ofstream csv(log->csv_path_, std::ios::trunc);
  if (!csv) return absl::InternalError(fmt::format("cannot write {}", log->csv_path_));
  csv << kCsvHeader << kept_rows;
  csv.flush();
  if (!csv) return absl::InternalError(fmt::format("cannot write {}", log->csv_path_));
  return log;
}

bool MetricsLog::CarryOver(uint64_t first_round, std::string* csv_rows) {
  const auto read = [](const std::string& path, std::string* out) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxCarriedBytes) return false;
    std::ifstream in(path, std::ios::binary);
    out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return static_cast<bool>(in) || in.eof();
  };
  std::string csv_text, json_text;
  if (!read(csv_path_, &csv_text) || !read(json_path_, &json_text)) return false;
  if (csv_text.compare(0, kCsvHeader.size(), kCsvHeader) != 0) return false;
  const nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("run", "") != run_name_ || !doc.contains("rounds") ||
      !doc["rounds"].is_array()) {
    return false;
  }
  for (const nlohmann::json& r : doc["rounds"]) {
    if (!r.is_object() || !r.contains("round") || !r["round"].is_number_unsigned()) return false;
    if (r["round"].get<uint64_t>() < first_round) json_rounds_.push_back(r.dump());
  }
  // CSV rows: "<round>,...", kept in order while the round is before first_round.
  size_t at = kCsvHeader.size();
  while (at < csv_text.size()) {
    const size_t end = csv_text.find('\n', at);
    if (end == std::string::npos) break;  // a partial last line: dropped
    const std::string line = csv_text.substr(at, end + 1 - at);
    at = end + 1;
    char* stop = nullptr;
    const unsigned long long round = std::strtoull(line.c_str(), &stop, 10);
    if (stop == line.c_str() || *stop != ',') return false;
    if (round < first_round) *csv_rows += line;
  }
  return true;
}

absl::Status MetricsLog::Append(const RoundRecord& r, const std::optional<LocalMetrics>& central) {
  {
    std::ofstream csv(csv_path_, std::ios::app);
    if (!csv) return absl::InternalError(fmt::format("cannot append to {}", csv_path_));
    const LocalMetrics none;
    const LocalMetrics& e = r.evaluation ? *r.evaluation : none;
    const LocalMetrics& c = central ? *central : none;
    csv << fmt::format("{},{},{},{},{},{:.6f},{},{},{},{},{},{},{:.3f},{},{},{}\n", r.round,
                       r.status.ok() ? "ok" : "failed", r.selected.size(), r.survivors.size(),
                       r.dropouts.size(), r.train_loss,
                       r.evaluation ? fmt::format("{:.6f}", e.loss) : "",
                       r.evaluation ? fmt::format("{:.6f}", e.accuracy) : "", Opt(e.auc),
                       central ? fmt::format("{:.6f}", c.loss) : "",
                       central ? fmt::format("{:.6f}", c.accuracy) : "", Opt(c.auc), r.seconds,
                       r.bytes_to_sites, r.bytes_from_sites, Opt(r.epsilon));
  }
  nlohmann::json j = {{"round", r.round},
                      {"status", r.status.ok() ? "ok" : std::string(r.status.message())},
                      {"selected", r.selected},
                      {"survivors", r.survivors},
                      {"dropouts", r.dropouts},
                      {"total_weight", r.total_weight},
                      {"train_loss", r.train_loss},
                      {"seconds", r.seconds},
                      {"bytes_to_sites", r.bytes_to_sites},
                      {"bytes_from_sites", r.bytes_from_sites}};
  if (r.evaluation) j["federated_evaluation"] = MetricsJson(*r.evaluation);
  if (central) j["central_evaluation"] = MetricsJson(*central);
  if (r.epsilon) j["epsilon"] = *r.epsilon;
  json_rounds_.push_back(j.dump());
  std::string doc = fmt::format("{{\"run\":{},\"mode\":{},\"rounds\":[",
                                nlohmann::json(run_name_).dump(), nlohmann::json(mode_).dump());
  for (size_t i = 0; i < json_rounds_.size(); ++i) {
    if (i > 0) doc += ",";
    doc += json_rounds_[i];
  }
  doc += "]}\n";
  return WriteFileAtomically(json_path_, doc);
}

}  // namespace fedcloak::fl
