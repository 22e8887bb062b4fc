#include "fedcloak/store/metrics_export.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;

fl::LocalMetrics Metrics(double loss, double accuracy) {
  fl::LocalMetrics m;
  m.loss = loss;
  m.accuracy = accuracy;
  return m;
}

std::vector<RoundRow> SampleRounds(size_t n) {
  std::vector<RoundRow> rows;
  for (size_t i = 1; i <= n; ++i) {
    RoundRow r;
    r.round = i;
    r.selected = {"a", "b", "c"};
    r.survivors = {"a", "b"};
    r.dropouts = {"c"};
    r.seconds = 2.5;
    r.bytes_to_sites = 1'000'000;
    r.bytes_from_sites = 3'000'000;
    r.train_loss = 2.0 / static_cast<double>(i);
    r.federated = Metrics(1.8 / static_cast<double>(i), 1.0 - 0.7 / static_cast<double>(i));
    rows.push_back(r);
  }
  return rows;
}

TEST(StoreMetricsExportTest, CsvHasOneLinePerRoundAndQuotesErrors) {
  auto rows = SampleRounds(2);
  rows[1].ok = false;
  rows[1].error = "only 1 of 3 sites survived, need \"2\"";
  rows[1].train_loss.reset();
  rows[1].federated.reset();
  rows[0].privacy = PrivacyRecord{1.5, 1e-5, 1.0, 0.5};
  const std::string csv = MetricsCsv(rows);
  const std::string expected =
      "round,status,error,selected,survivors,dropouts,train_loss,federated_loss,"
      "federated_accuracy,federated_auc,central_loss,central_accuracy,central_auc,epsilon,"
      "seconds,bytes_to_sites,bytes_from_sites\n"
      "1,ok,,3,2,1,2.000000,1.800000,0.300000,,,,,1.500000,2.500,1000000,3000000\n"
      "2,failed,\"only 1 of 3 sites survived, need \"\"2\"\"\",3,2,1,,,,,,,,,2.500,1000000,"
      "3000000\n";
  EXPECT_EQ(csv, expected);
}

TEST(StoreMetricsExportTest, TablesAreAligned) {
  const std::string t = FormatRoundsTable(SampleRounds(10));
  EXPECT_THAT(t, HasSubstr("ROUND  STATUS  SITES  DROPOUTS"));
  EXPECT_THAT(t, HasSubstr("\n10     ok      2/3    1         0.2000      0.1800  0.9300"));
  RunSummary s;
  s.info.id = 3;
  s.info.name = "fmnist";
  s.info.mode = "he";
  s.rounds_recorded = 50;
  s.last_round = 50;
  const std::string runs = FormatRunsTable(std::vector<RunSummary>{s});
  EXPECT_THAT(runs, HasSubstr("3    fmnist  he    running  50      50    -"));
}

TEST(StoreMetricsExportTest, ChartPointsPreferFederatedAndFallBackToTrainLoss) {
  auto rows = SampleRounds(3);
  rows[1].federated.reset();
  std::string source;
  auto points = ChartPointsFor(rows, &source);
  EXPECT_EQ(source, "federated");
  ASSERT_EQ(points.size(), 3u);
  EXPECT_DOUBLE_EQ(*points[1].loss, 1.0);  // train loss of round 2
  EXPECT_FALSE(points[1].accuracy.has_value());
  for (auto& r : rows) {
    r.federated.reset();
    r.central = Metrics(0.5, 0.6);
  }
  points = ChartPointsFor(rows, &source);
  EXPECT_EQ(source, "central");
  EXPECT_DOUBLE_EQ(*points[0].accuracy, 0.6);
}

TEST(StoreMetricsExportTest, NiceTicks) {
  // Hand-computed: range 2.3 over ~5 ticks -> step 0.5 (the 1-2-5 sequence).
  EXPECT_THAT(NiceTicks(0, 2.3, 5),
              Pointwise(DoubleNear(1e-12), std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5}));
  EXPECT_THAT(
      NiceTicks(1, 50, 10),
      Pointwise(DoubleNear(1e-12), std::vector<double>{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50}));
  EXPECT_THAT(NiceTicks(0, 1, 5),
              Pointwise(DoubleNear(1e-12), std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
}

TEST(StoreMetricsExportTest, ChartDrawsBothSeriesInTheirColours) {
  const auto rows = SampleRounds(20);
  const auto points = ChartPointsFor(rows, nullptr);
  const RgbImage img = RenderMetricsChart(points);
  EXPECT_EQ(img.width(), 1000u);
  EXPECT_EQ(img.height(), 560u);
  size_t loss_pixels = 0, accuracy_pixels = 0;
  for (uint32_t y = 0; y < img.height(); ++y) {
    for (uint32_t x = 0; x < img.width(); ++x) {
      loss_pixels += img.Get(x, y) == kLossColor;
      accuracy_pixels += img.Get(x, y) == kAccuracyColor;
    }
  }
  // Each polyline spans ~800 px at 2.5 px width, plus 20 markers.
  EXPECT_GT(loss_pixels, 1500u);
  EXPECT_GT(accuracy_pixels, 1500u);
  // Round 20's accuracy 0.965 lies near the top right of the plot (y ~ 78 + 0.035 * 412).
  bool found = false;
  for (uint32_t y = 85; y < 100 && !found; ++y) found = img.Get(904, y) == kAccuracyColor;
  EXPECT_TRUE(found);
}

TEST(StoreMetricsExportTest, ExportWritesCsvAndPngOrNothing) {
  const std::string dir = ::testing::TempDir() + "/store_export";
  std::filesystem::remove_all(dir);
  auto store = RunStore::Open(dir + "/runs.sqlite");
  ASSERT_THAT(store, IsOk());
  auto run = (*store)->CreateRun("fmnist-iid", "cfg", "secagg");
  ASSERT_THAT(run, IsOk());
  for (const RoundRow& row : SampleRounds(30)) {
    fl::RoundRecord r;
    r.round = row.round;
    r.selected = row.selected;
    r.survivors = row.survivors;
    r.train_loss = *row.train_loss;
    r.evaluation = row.federated;
    ASSERT_THAT((*store)->CommitRound(*run, r, {}, std::nullopt), IsOk());
  }
  EXPECT_THAT(ExportRunMetrics(**store, *run + 1, dir + "/out"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("run 2 is not in store")));
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));
  auto files = ExportRunMetrics(**store, *run, dir + "/out");
  ASSERT_THAT(files, IsOk());
  EXPECT_GT(std::filesystem::file_size(files->png), 1000u);
  std::ifstream csv(files->csv);
  const std::string text((std::istreambuf_iterator<char>(csv)), {});
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 31);
  // Kept for a look: the chart is copied to the test's temp dir.
  std::filesystem::copy_file(files->png, ::testing::TempDir() + "/store_export_chart.png",
                             std::filesystem::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace fedcloak::store
