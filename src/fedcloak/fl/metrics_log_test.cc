#include "fedcloak/fl/metrics_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "fedcloak/base/status_matchers.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;

class MetricsLogTest : public ::testing::Test {
 protected:
  MetricsLogTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("fedcloak-metrics-log-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
  }
  ~MetricsLogTest() override { std::filesystem::remove_all(dir_); }

  void Write(uint64_t first, uint64_t last, uint64_t first_round, const std::string& run = "r") {
    auto log = MetricsLog::Open(dir_.string(), run, "plain", first_round);
    ASSERT_THAT(log, IsOk());
    for (uint64_t round = first; round <= last; ++round) {
      RoundRecord r;
      r.round = round;
      r.train_loss = static_cast<double>(round);
      ASSERT_THAT((*log)->Append(r, std::nullopt), IsOk());
    }
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::vector<uint64_t> CsvRounds() const {
    std::vector<uint64_t> rounds;
    std::ifstream in(dir_ / "rounds.csv");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) rounds.push_back(std::stoull(line));
    return rounds;
  }
  std::vector<uint64_t> JsonRounds() const {
    std::vector<uint64_t> rounds;
    const nlohmann::json doc = nlohmann::json::parse(Read("rounds.json"));
    for (const auto& r : doc["rounds"]) {
      rounds.push_back(r["round"].get<uint64_t>());
    }
    return rounds;
  }

  std::filesystem::path dir_;
};

TEST_F(MetricsLogTest, ResumeKeepsTheEarlierRoundsAndDropsTheRepeatedOnes) {
  Write(1, 5, 1);
  // The process died after round 5 but the last checkpoint was round 3: rounds 4 and 5
  // run again.
  Write(4, 6, 4);
  EXPECT_EQ(CsvRounds(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(JsonRounds(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(MetricsLogTest, AFreshRunStartsOver) {
  Write(1, 3, 1);
  Write(1, 2, 1);
  EXPECT_EQ(CsvRounds(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(JsonRounds(), (std::vector<uint64_t>{1, 2}));
}

TEST_F(MetricsLogTest, FilesOfAnotherRunOrDamagedAreNotCarriedOver) {
  Write(1, 3, 1, "other");
  Write(3, 3, 3);
  EXPECT_EQ(CsvRounds(), (std::vector<uint64_t>{3}));
  EXPECT_EQ(JsonRounds(), (std::vector<uint64_t>{3}));
  { std::ofstream(dir_ / "rounds.json") << "{\"run\": \"r\", \"rounds\": [{\"round\": -1}"; }
  Write(4, 4, 4);
  EXPECT_EQ(CsvRounds(), (std::vector<uint64_t>{4}));
  EXPECT_EQ(JsonRounds(), (std::vector<uint64_t>{4}));
}

}  // namespace
}  // namespace fedcloak::fl
