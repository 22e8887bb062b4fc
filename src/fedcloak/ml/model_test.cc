// Model tests: flat parameter layout and round trip, seeded initialization, eager
// forward against its TorchScript twin, and TorchScript round trips with Python
// (/usr/bin/python3 with Debian's python3-torch) in both directions.
#include "fedcloak/ml/model.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/ml/libsvm_loader.h"
#include "fedcloak/ml/ml_test_util.h"
#include "fedcloak/ml/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kHeartScale;
using testing::ScratchDir;

constexpr const char* kPython = "/usr/bin/python3";

bool PythonHasTorch() {
  static const bool has =
      std::system((std::string(kPython) + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
  return has;
}

// Runs a Python script (written to a file) with arguments; true on exit status 0.
bool RunPython(const ScratchDir& dir, const std::string& script, const std::string& args) {
  const std::string path = dir.Write("script.py", script);
  return std::system((std::string(kPython) + " " + path + " " + args).c_str()) == 0;
}

std::vector<float> ReadFloats(const std::string& path) {
  std::ifstream in(path);
  std::vector<float> out;
  double v = 0;
  while (in >> v) out.push_back(static_cast<float>(v));
  return out;
}

void WriteFloats(const std::string& path, std::span<const float> values) {
  std::ofstream out(path);
  out.precision(9);
  for (float v : values) out << v << "\n";
}

// A small image data set of deterministic pseudo-random pixels (no file needed).
Dataset SyntheticImages(size_t n, int64_t side) {
  std::vector<float> pixels(n * static_cast<size_t>(side * side));
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<float>((i * 7919) % 255) / 255.0f;
  std::vector<int64_t> labels(n);
  for (size_t i = 0; i < n; ++i) labels[i] = static_cast<int64_t>(i % 10);
  return *Dataset::Create(std::move(pixels), std::move(labels), {1, side, side}, 10);
}

ModelSpec Spec(const std::string& arch, std::vector<int64_t> shape, int64_t classes) {
  ModelSpec spec;
  spec.architecture = arch;
  spec.input_shape = std::move(shape);
  spec.num_classes = classes;
  return spec;
}

TEST(MlModelTest, MlpLayoutIsDocumented) {
  ModelSpec spec = Spec("mlp", {13}, 2);
  spec.hidden_units = {8};
  auto model = Model::Create(spec);
  ASSERT_THAT(model, IsOk());
  const auto& layout = model->parameter_layout();
  ASSERT_EQ(layout.size(), 4u);
  EXPECT_EQ(layout[0].name, "fc1_weight");
  EXPECT_THAT(layout[0].shape, ElementsAre(8, 13));
  EXPECT_EQ(layout[1].name, "fc1_bias");
  EXPECT_EQ(layout[1].offset, 104u);
  EXPECT_EQ(layout[2].name, "fc2_weight");
  EXPECT_THAT(layout[2].shape, ElementsAre(2, 8));
  EXPECT_EQ(layout[3].offset, 128u);
  EXPECT_EQ(model->num_parameters(), 130u);
}

TEST(MlModelTest, CnnParameterCounts) {
  // Small CNN on 28x28: 16*25+16 + 32*16*25+32 + 64*512+64 + 10*64+10 = 46,730.
  auto small = Model::Create(Spec("cnn", {1, 28, 28}, 10));
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(small->num_parameters(), 46730u);
  // McMahan et al. 2017 CNN: 1,663,370 parameters for MNIST (as the paper's follow-ups
  // report): 832 + 51,264 + 3136*512+512 + 5,130.
  auto mcmahan = Model::Create(Spec("mcmahan-cnn", {1, 28, 28}, 10));
  ASSERT_THAT(mcmahan, IsOk());
  EXPECT_EQ(mcmahan->num_parameters(), 1663370u);
  std::vector<std::string> names;
  for (const auto& p : mcmahan->parameter_layout()) names.push_back(p.name);
  EXPECT_THAT(names, ElementsAre("conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias",
                                 "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"));
  EXPECT_THAT(mcmahan->parameter_layout()[4].shape, ElementsAre(512, 3136));
}

TEST(MlModelTest, InvalidSpecs) {
  EXPECT_THAT(Model::Create(Spec("resnet", {13}, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resnet")));
  EXPECT_THAT(Model::Create(Spec("mlp", {}, 2)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Model::Create(Spec("mlp", {13}, 1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Model::Create(Spec("cnn", {784}, 10)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("height and width")));
  EXPECT_THAT(Model::Create(Spec("cnn", {1, 12, 12}, 10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ModelSpec bad_hidden = Spec("mlp", {13}, 2);
  bad_hidden.hidden_units = {0};
  EXPECT_THAT(Model::Create(bad_hidden), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MlModelTest, ParametersRoundTripThroughFlatVector) {
  auto model = Model::Create(Spec("cnn", {1, 28, 28}, 10));
  ASSERT_THAT(model, IsOk());
  std::vector<float> params(model->num_parameters());
  for (size_t i = 0; i < params.size(); ++i)
    params[i] = static_cast<float>(i % 1000) * 1e-3f - 0.5f;
  ASSERT_THAT(model->SetParameters(params), IsOk());
  EXPECT_EQ(model->GetParameters(), params);
  std::vector<float> short_vector(params.begin(), params.end() - 1);
  EXPECT_THAT(model->SetParameters(short_vector),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("46729 parameters")));
  params[5] = std::nanf("");
  EXPECT_THAT(model->SetParameters(params),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parameter 5")));
}

TEST(MlModelTest, SeedDeterminesInitialWeights) {
  ModelSpec spec = Spec("mlp", {13}, 2);
  spec.seed = 7;
  auto a = Model::Create(spec);
  auto b = Model::Create(spec);
  spec.seed = 8;
  auto c = Model::Create(spec);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->GetParameters(), b->GetParameters());
  EXPECT_NE(a->GetParameters(), c->GetParameters());
  // U(-1/sqrt(13), 1/sqrt(13)) for the first layer.
  const std::vector<float> params = a->GetParameters();
  for (size_t i = 0; i < 13 * 64; ++i) EXPECT_LE(std::abs(params[i]), 1 / std::sqrt(13.0f));
}

TEST(MlModelTest, CloneIsDeep) {
  auto model = Model::Create(Spec("mlp", {13}, 2));
  ASSERT_THAT(model, IsOk());
  auto copy = model->Clone();
  ASSERT_THAT(copy, IsOk());
  const std::vector<float> before = model->GetParameters();
  ASSERT_THAT(copy->SetParameters(std::vector<float>(copy->num_parameters(), 0.25f)), IsOk());
  EXPECT_EQ(model->GetParameters(), before);
  EXPECT_EQ(copy->GetParameters()[0], 0.25f);
}

// The eager forward of each built-in must equal its TorchScript source, or a saved
// model would compute something else than the one trained.
TEST(MlModelTest, EagerForwardMatchesSavedTorchScript) {
  ScratchDir dir("twin");
  for (const char* arch : {"mlp", "cnn", "mcmahan-cnn"}) {
    SCOPED_TRACE(arch);
    auto model = Model::Create(Spec(arch, {1, 28, 28}, 10));
    ASSERT_THAT(model, IsOk());
    const Dataset data = SyntheticImages(6, 28);
    auto eager = model->Logits(data);
    ASSERT_THAT(eager, IsOk());
    ASSERT_THAT(model->SaveTorchScript(dir.File("m.pt")), IsOk());
    auto loaded = Model::LoadTorchScript(dir.File("m.pt"));
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(loaded->architecture(), "torchscript");
    EXPECT_EQ(loaded->GetParameters(), model->GetParameters());
    auto scripted = loaded->Logits(data);
    ASSERT_THAT(scripted, IsOk());
    ASSERT_EQ(scripted->size(), 60u);
    for (size_t i = 0; i < eager->size(); ++i) EXPECT_NEAR((*eager)[i], (*scripted)[i], 1e-5);
  }
}

TEST(MlModelTest, LoadTorchScriptErrors) {
  ScratchDir dir("load");
  EXPECT_THAT(Model::LoadTorchScript(dir.File("absent.pt")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.pt")));
  EXPECT_THAT(Model::LoadTorchScript(dir.Write("garbage.pt", "not a zip archive")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("garbage.pt")));
  auto model = Model::Create(Spec("mlp", {13}, 2));
  ASSERT_THAT(model, IsOk());
  EXPECT_THAT(model->SaveTorchScript(dir.File("no/such/dir/m.pt")),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("m.pt")));
}

// Python -> C++ -> Python: a module scripted and saved by Python is loaded, its
// parameters moved through the flat vector, trained in C++ and saved; Python loads the
// result and its outputs match C++'s. In the same Python run, the saved built-in small
// CNN loads too, with the documented parameter names and the same logits.
TEST(MlModelTest, PythonTorchScriptRoundTrip) {
  ScratchDir dir("python");
  const std::string created = dir.File("py.pt");
  if (!RunPython(dir, R"PY(
import sys, torch
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(13, 6)
        self.out = torch.nn.Linear(6, 2)
    def forward(self, x):
        return self.out(torch.tanh(self.hidden(torch.flatten(x, 1))))
torch.manual_seed(0)
torch.jit.script(Net()).save(sys.argv[1])
)PY",
                 created)) {
    if (!PythonHasTorch()) GTEST_SKIP() << kPython << " cannot import torch (python3-torch)";
    FAIL() << "the Python script that saves a TorchScript module failed";
  }
  auto model = Model::LoadTorchScript(created);
  ASSERT_THAT(model, IsOk());
  std::vector<std::string> names;
  for (const auto& p : model->parameter_layout()) names.push_back(p.name);
  EXPECT_THAT(names, ElementsAre("hidden.weight", "hidden.bias", "out.weight", "out.bias"));
  EXPECT_EQ(model->num_parameters(), 6u * 13 + 6 + 2 * 6 + 2);
  // Flat round trip on a loaded module.
  std::vector<float> params = model->GetParameters();
  for (float& p : params) p *= 0.5f;
  ASSERT_THAT(model->SetParameters(params), IsOk());
  EXPECT_EQ(model->GetParameters(), params);

  auto data = LoadLibsvm(kHeartScale);
  ASSERT_THAT(data, IsOk());
  TrainConfig config;
  config.learning_rate = 0.1;
  config.epochs = 3;
  config.threads = 1;
  auto trainer = Trainer::Create(config);
  ASSERT_THAT(trainer, IsOk());
  auto result = trainer->Train(*model, *data);
  ASSERT_THAT(result, IsOk());
  EXPECT_NE(model->GetParameters(), params);
  const std::string trained = dir.File("trained.pt");
  ASSERT_THAT(model->SaveTorchScript(trained), IsOk());
  const Dataset head = data->Head(5);
  WriteFloats(dir.File("x.txt"), head.features());

  auto cnn = Model::Create(Spec("cnn", {1, 28, 28}, 10));
  ASSERT_THAT(cnn, IsOk());
  ASSERT_THAT(cnn->SaveTorchScript(dir.File("cnn.pt")), IsOk());
  const Dataset images = SyntheticImages(2, 28);
  WriteFloats(dir.File("images.txt"), images.features());

  ASSERT_TRUE(RunPython(dir, R"PY(
import sys, torch
def run(model_path, input_path, shape, output_path):
    m = torch.jit.load(model_path)
    x = torch.tensor([float(v) for v in open(input_path).read().split()]).reshape(shape)
    with open(output_path, "w") as f:
        for v in m(x).detach().reshape(-1).tolist():
            f.write(repr(v) + "\n")
    return m
d = sys.argv[1] + "/"
run(d + "trained.pt", d + "x.txt", (5, 13), d + "y.txt")
cnn = run(d + "cnn.pt", d + "images.txt", (2, 1, 28, 28), d + "cnn_y.txt")
assert [n for n, _ in cnn.named_parameters()] == ["conv1_weight", "conv1_bias",
    "conv2_weight", "conv2_bias", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"]
)PY",
                        dir.File("")));
  const std::vector<float> from_python = ReadFloats(dir.File("y.txt"));
  auto from_cpp = model->Logits(head);
  ASSERT_THAT(from_cpp, IsOk());
  ASSERT_EQ(from_python.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_NEAR(from_python[i], (*from_cpp)[i], 1e-5) << i;
  const std::vector<float> cnn_python = ReadFloats(dir.File("cnn_y.txt"));
  auto cnn_cpp = cnn->Logits(images);
  ASSERT_THAT(cnn_cpp, IsOk());
  ASSERT_EQ(cnn_python.size(), 20u);
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(cnn_python[i], (*cnn_cpp)[i], 1e-5) << i;
}

}  // namespace
}  // namespace fedcloak::ml
