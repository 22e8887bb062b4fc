// Tests of the IDX, libsvm and CSV loaders on the real Debian-packaged files and on
// broken copies written by the tests. Expected values were read independently with
// Python (gzip + struct for the IDX files, str.split for heart_scale).
#include <zlib.h>

#include <string>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/ml/csv_loader.h"
#include "fedcloak/ml/idx_loader.h"
#include "fedcloak/ml/libsvm_loader.h"
#include "fedcloak/ml/loader_util.h"
#include "fedcloak/ml/ml_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kFashionDir;
using testing::kHeartScale;
using testing::ScratchDir;

std::string GzipFile(const ScratchDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.File(name);
  gzFile f = gzopen(path.c_str(), "wb1");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return path;
}

std::string ReadAll(const std::string& path) {
  auto bytes = internal::ReadFileMaybeGzip(path, size_t{1} << 30);
  EXPECT_THAT(bytes, IsOk());
  return std::string(bytes->begin(), bytes->end());
}

TEST(MlIdxLoaderTest, LoadsFashionMnistTestSet) {
  auto data = LoadIdxDataset(kFashionDir + "t10k-images-idx3-ubyte.gz",
                             kFashionDir + "t10k-labels-idx1-ubyte.gz");
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->num_examples(), 10000u);
  EXPECT_THAT(data->example_shape(), ElementsAre(1, 28, 28));
  EXPECT_EQ(data->num_classes(), 10);
  // First labels 9 2 1 1 6 1 4 6 5 7; the first image's bytes sum to 33456 and its
  // centre pixel (14, 14) is 110 (Python: gzip.open(...).read()[16:16+784]).
  EXPECT_THAT(std::vector<int64_t>(data->labels().begin(), data->labels().begin() + 10),
              ElementsAre(9, 2, 1, 1, 6, 1, 4, 6, 5, 7));
  double sum = 0;
  for (float x : data->example(0)) sum += x;
  EXPECT_NEAR(sum * 255.0, 33456.0, 1e-2);
  EXPECT_FLOAT_EQ(data->example(0)[14 * 28 + 14], 110.0f / 255.0f);
  std::vector<int> per_class(10);
  for (int64_t l : data->labels()) ++per_class[static_cast<size_t>(l)];
  for (int c : per_class) EXPECT_EQ(c, 1000);
}

TEST(MlIdxLoaderTest, MaxExamplesKeepsThePrefix) {
  IdxOptions options;
  options.max_examples = 5;
  auto data = LoadIdxDataset(kFashionDir + "t10k-images-idx3-ubyte.gz",
                             kFashionDir + "t10k-labels-idx1-ubyte.gz", options);
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(std::vector<int64_t>(data->labels().begin(), data->labels().end()),
              ElementsAre(9, 2, 1, 1, 6));
}

class MlIdxBrokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    labels_ = ReadAll(kFashionDir + "t10k-labels-idx1-ubyte.gz");
    images_ = ReadAll(kFashionDir + "t10k-images-idx3-ubyte.gz");
  }
  absl::StatusOr<Dataset> Load(const std::string& images, const std::string& labels) {
    return LoadIdxDataset(GzipFile(dir_, "images.gz", images), GzipFile(dir_, "labels.gz", labels));
  }
  ScratchDir dir_{"idx"};
  std::string labels_;
  std::string images_;
};

TEST_F(MlIdxBrokenTest, TruncatedImagesNameFileAndOffset) {
  auto data = Load(images_.substr(0, images_.size() - 100), labels_);
  EXPECT_THAT(
      data, StatusIs(absl::StatusCode::kDataLoss,
                     AllOf(HasSubstr("images.gz"), HasSubstr("byte 16"), HasSubstr("truncated"))));
}

TEST_F(MlIdxBrokenTest, WrongMagic) {
  std::string bad = labels_;
  bad[0] = 0x1f;
  EXPECT_THAT(Load(images_, bad), StatusIs(absl::StatusCode::kDataLoss,
                                           AllOf(HasSubstr("labels.gz"), HasSubstr("magic"))));
  bad = labels_;
  bad[2] = 0x0d;  // float elements: unsupported
  EXPECT_THAT(Load(images_, bad),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("element type 0x0d")));
}

TEST_F(MlIdxBrokenTest, TruncatedHeaderAndEmptyFile) {
  EXPECT_THAT(Load(images_.substr(0, 10), labels_),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated IDX header")));
  EXPECT_THAT(Load(images_, ""), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("too short")));
}

TEST_F(MlIdxBrokenTest, CountMismatchAndBadLabel) {
  // 9999 labels: drop the last label and patch the count.
  std::string fewer = labels_.substr(0, labels_.size() - 1);
  fewer[7] = static_cast<char>(0x0f);  // 10000 = 0x2710 -> 0x270f
  EXPECT_THAT(Load(images_, fewer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("10000 images")));
  std::string bad_label = labels_;
  bad_label[8 + 3] = 10;
  EXPECT_THAT(Load(images_, bad_label),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("byte 11"), HasSubstr("label 10"))));
}

TEST_F(MlIdxBrokenTest, TruncatedGzipStreamAndMissingFile) {
  // Cut the compressed file itself.
  const std::string path = GzipFile(dir_, "images.gz", images_);
  std::string compressed;
  {
    std::ifstream in(path, std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = dir_.Write("cut.gz", compressed.substr(0, compressed.size() / 2));
  EXPECT_THAT(LoadIdxDataset(cut, GzipFile(dir_, "labels.gz", labels_)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("cut.gz")));
  EXPECT_THAT(LoadIdxDataset(dir_.File("absent.gz"), path),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.gz")));
}

TEST(MlLibsvmLoaderTest, LoadsHeartScale) {
  auto data = LoadLibsvm(kHeartScale);
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->num_examples(), 270u);
  EXPECT_THAT(data->example_shape(), ElementsAre(13));
  EXPECT_EQ(data->num_classes(), 2);
  // Line 1: "+1 1:0.708333 2:1 3:1 4:-0.320755 5:-0.105023 6:-1 7:1 8:-0.419847 9:-1
  // 10:-0.225806 12:1 13:-1" (feature 11 absent = 0); 120 lines "+1", 150 "-1".
  EXPECT_EQ(data->labels()[0], 1);
  EXPECT_EQ(data->labels()[1], 0);
  const std::vector<float> first(data->example(0).begin(), data->example(0).end());
  EXPECT_THAT(first, ElementsAre(0.708333f, 1.0f, 1.0f, -0.320755f, -0.105023f, -1.0f, 1.0f,
                                 -0.419847f, -1.0f, -0.225806f, 0.0f, 1.0f, -1.0f));
  int positives = 0;
  for (int64_t l : data->labels()) positives += l == 1 ? 1 : 0;
  EXPECT_EQ(positives, 120);
}

TEST(MlLibsvmLoaderTest, BrokenCopiesOfHeartScale) {
  ScratchDir dir("libsvm");
  const std::string text = ReadAll(kHeartScale);
  const size_t line2 = text.find('\n') + 1;
  const size_t line3 = text.find('\n', line2) + 1;
  const std::string head = text.substr(0, line2);
  // Non-numeric value on line 2.
  std::string bad = head + "-1 1:0.5 2:abc\n" + text.substr(line3);
  EXPECT_THAT(LoadLibsvm(dir.Write("nonnum", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("nonnum:2:"), HasSubstr("2:abc"))));
  bad = head + "-1 3:0.5 2:1\n";
  EXPECT_THAT(LoadLibsvm(dir.Write("order", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("order:2:"), HasSubstr("does not increase"))));
  bad = head + "-1 0:0.5\n";
  EXPECT_THAT(LoadLibsvm(dir.Write("zero", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zero:2:")));
  bad = head + "-1 1=0.5\n";
  EXPECT_THAT(LoadLibsvm(dir.Write("pair", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an index:value")));
  bad = text + "2 1:0.5\n";  // 2 in a -1/+1 file
  EXPECT_THAT(LoadLibsvm(dir.Write("label", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label:271:")));
  bad = head + "x 1:0.5\n";
  EXPECT_THAT(LoadLibsvm(dir.Write("label2", bad)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label2:2:")));
  EXPECT_THAT(LoadLibsvm(dir.Write("empty", "")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  // Truncated mid-pair: "1:0.7" cut to "1:".
  EXPECT_THAT(LoadLibsvm(dir.Write("cut", text.substr(0, line2 + 5))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cut:2:")));
  LibsvmOptions narrow;
  narrow.num_features = 12;
  EXPECT_THAT(LoadLibsvm(kHeartScale, narrow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds num_features 12")));
  LibsvmOptions wide;
  wide.num_features = 20;
  auto data = LoadLibsvm(kHeartScale, wide);
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->example_shape(), ElementsAre(20));
}

TEST(MlCsvLoaderTest, ParsesLabelByName) {
  CsvOptions options;
  options.label_column = "y";
  options.ignore_columns = {"id"};
  auto data = ParseCsv("id, a ,y,b\n7,1.5,1,-2\n\n8,0,0,3e1\r\n", "t.csv", options);
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->num_examples(), 2u);
  EXPECT_THAT(data->example_shape(), ElementsAre(2));
  EXPECT_THAT(std::vector<float>(data->features().begin(), data->features().end()),
              ElementsAre(1.5f, -2.0f, 0.0f, 30.0f));
  EXPECT_THAT(std::vector<int64_t>(data->labels().begin(), data->labels().end()),
              ElementsAre(1, 0));
  EXPECT_EQ(data->num_classes(), 2);
}

TEST(MlCsvLoaderTest, BrokenFilesNameFileAndLine) {
  ScratchDir dir("csv");
  const CsvOptions options;  // label column "label"
  EXPECT_THAT(LoadCsv(dir.Write("ragged.csv", "a,label\n1,0\n2,1,5\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("ragged.csv:3:"), HasSubstr("3 fields"))));
  EXPECT_THAT(
      LoadCsv(dir.Write("nonnum.csv", "a,label\n1,0\nfoo,1\n"), options),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("nonnum.csv:3:"), HasSubstr("column 'a'"), HasSubstr("'foo'"))));
  EXPECT_THAT(LoadCsv(dir.Write("nolabel.csv", "a,b\n1,0\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("nolabel.csv:1:"), HasSubstr("no label column 'label'"),
                             HasSubstr("a, b"))));
  EXPECT_THAT(LoadCsv(dir.Write("empty.csv", ""), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("empty.csv"), HasSubstr("empty file"))));
  EXPECT_THAT(LoadCsv(dir.Write("header.csv", "a,label\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no data rows")));
  EXPECT_THAT(LoadCsv(dir.Write("inf.csv", "a,label\ninf,1\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inf.csv:2:")));
  EXPECT_THAT(LoadCsv(dir.Write("frac.csv", "a,label\n1,0.5\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("frac.csv:2:"), HasSubstr("label 0.5"))));
  EXPECT_THAT(LoadCsv(dir.Write("dup.csv", "a,a,label\n1,2,0\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate column")));
  EXPECT_THAT(LoadCsv(dir.File("absent.csv"), options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.csv")));
}

TEST(MlCsvLoaderTest, LabelRules) {
  CsvOptions options;
  // -1/+1 map to 0/1.
  auto pm = ParseCsv("x,label\n1,-1\n2,+1\n", "pm", options);
  ASSERT_THAT(pm, IsOk());
  EXPECT_THAT(std::vector<int64_t>(pm->labels().begin(), pm->labels().end()), ElementsAre(0, 1));
  // -1 next to 0 is ambiguous.
  EXPECT_THAT(ParseCsv("x,label\n1,-1\n2,0\n", "mix", options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mix:3:")));
  // A fixed class count keeps sites with missing classes consistent.
  options.num_classes = 10;
  auto fixed = ParseCsv("x,label\n1,3\n", "fixed", options);
  ASSERT_THAT(fixed, IsOk());
  EXPECT_EQ(fixed->num_classes(), 10);
  EXPECT_THAT(ParseCsv("x,label\n1,10\n", "over", options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over:2:")));
}

TEST(MlDatasetTest, CreateValidatesAndSubsetCopies) {
  EXPECT_THAT(Dataset::Create({1, 2, 3}, {0}, {2}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Dataset::Create({1, 2}, {2}, {2}, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  auto data = Dataset::Create({1, 2, 3, 4, 5, 6}, {0, 1, 1}, {2}, 2);
  ASSERT_THAT(data, IsOk());
  const std::vector<size_t> idx = {2, 0, 2};
  auto sub = data->Subset(idx);
  ASSERT_THAT(sub, IsOk());
  EXPECT_THAT(std::vector<float>(sub->features().begin(), sub->features().end()),
              ElementsAre(5, 6, 1, 2, 5, 6));
  const std::vector<size_t> out_of_range = {3};
  EXPECT_THAT(data->Subset(out_of_range), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(data->Head(2).num_examples(), 2u);
}

}  // namespace
}  // namespace fedcloak::ml
