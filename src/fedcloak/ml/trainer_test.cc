// Trainer and Evaluate tests on real data (heart_scale, a Fashion-MNIST subset):
// training lowers the loss, results are reproducible, FedProx shrinks the update,
// DP-SGD clips, and the metrics match hand-computed values.
#include "fedcloak/ml/trainer.h"

#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/ml/evaluate.h"
#include "fedcloak/ml/idx_loader.h"
#include "fedcloak/ml/libsvm_loader.h"
#include "fedcloak/ml/ml_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using testing::kFashionDir;
using testing::kHeartScale;

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

Dataset Heart() {
  auto data = LoadLibsvm(kHeartScale);
  EXPECT_THAT(data, IsOk());
  return *std::move(data);
}

Model HeartMlp(uint64_t seed = 1) {
  ModelSpec spec;
  spec.architecture = "mlp";
  spec.input_shape = {13};
  spec.hidden_units = {16};
  spec.seed = seed;
  return *Model::Create(spec);
}

TrainResult MustTrain(const TrainConfig& config, Model& model, const Dataset& data,
                      SecureRandom* rng = nullptr) {
  auto trainer = Trainer::Create(config, rng);
  EXPECT_THAT(trainer, IsOk());
  auto result = trainer->Train(model, data);
  EXPECT_THAT(result, IsOk());
  return *std::move(result);
}

TEST(MlTrainerTest, HeartScaleMlpLearns) {
  const Dataset data = Heart();
  Model model = HeartMlp();
  auto before = Evaluate(model, data);
  ASSERT_THAT(before, IsOk());
  const std::vector<float> w0 = model.GetParameters();
  TrainConfig config;
  config.learning_rate = 0.05;
  config.momentum = 0.9;
  config.epochs = 20;
  config.batch_size = 16;
  config.threads = 1;
  const TrainResult result = MustTrain(config, model, data);
  auto after = Evaluate(model, data);
  ASSERT_THAT(after, IsOk());
  EXPECT_LT(after->loss, 0.8 * before->loss);
  EXPECT_GT(after->accuracy, 0.8);  // linear models reach about 0.85 on heart_scale
  ASSERT_TRUE(after->auc.has_value());
  EXPECT_GT(*after->auc, 0.85);
  EXPECT_EQ(result.num_examples, 270u);
  EXPECT_EQ(result.steps, 20u * 17);  // ceil(270 / 16) = 17 batches per epoch
  EXPECT_GT(result.mean_loss, 0);
  EXPECT_DOUBLE_EQ(result.sampling_rate, 16.0 / 270.0);
  // update = w_local - w_global.
  const std::vector<float> w1 = model.GetParameters();
  ASSERT_EQ(result.update.size(), w1.size());
  for (size_t i = 0; i < w1.size(); ++i) ASSERT_EQ(result.update[i], w1[i] - w0[i]);
}

TEST(MlTrainerTest, AdamLearnsToo) {
  const Dataset data = Heart();
  Model model = HeartMlp();
  const double before = Evaluate(model, data)->loss;
  TrainConfig config;
  config.optimizer = "adam";
  config.learning_rate = 0.01;
  config.epochs = 10;
  config.threads = 1;
  MustTrain(config, model, data);
  EXPECT_LT(Evaluate(model, data)->loss, 0.8 * before);
}

TEST(MlTrainerTest, FashionMnistSmallCnnLearns) {
  IdxOptions options;
  options.max_examples = 800;
  auto data = LoadIdxDataset(kFashionDir + "t10k-images-idx3-ubyte.gz",
                             kFashionDir + "t10k-labels-idx1-ubyte.gz", options);
  ASSERT_THAT(data, IsOk());
  ModelSpec spec;
  spec.architecture = "cnn";
  spec.input_shape = {1, 28, 28};
  spec.num_classes = 10;
  auto model = Model::Create(spec);
  ASSERT_THAT(model, IsOk());
  auto before = Evaluate(*model, *data);
  ASSERT_THAT(before, IsOk());
  EXPECT_NEAR(before->loss, std::log(10.0), 0.3);  // near-uniform at initialization
  EXPECT_FALSE(before->auc.has_value());           // not a binary task
  TrainConfig config;
  config.learning_rate = 0.05;
  config.momentum = 0.9;
  config.epochs = 2;
  config.batch_size = 32;
  config.threads = 1;  // 2 threads spin in OpenMP barriers when the cores are busy
  const TrainResult result = MustTrain(config, *model, *data);
  auto after = Evaluate(*model, *data);
  ASSERT_THAT(after, IsOk());
  EXPECT_LT(after->loss, 1.2);
  EXPECT_GT(after->accuracy, 0.6);
  EXPECT_EQ(result.num_examples, 800u);
}

TEST(MlTrainerTest, SameSeedSameResult) {
  const Dataset data = Heart();
  TrainConfig config;
  config.learning_rate = 0.05;
  config.momentum = 0.9;
  config.epochs = 3;
  config.seed = 42;
  for (int threads : {1, 2}) {
    config.threads = threads;
    Model a = HeartMlp();
    Model b = HeartMlp();
    const TrainResult ra = MustTrain(config, a, data);
    const TrainResult rb = MustTrain(config, b, data);
    EXPECT_EQ(ra.update, rb.update) << "threads " << threads;
    EXPECT_EQ(ra.mean_loss, rb.mean_loss);
  }
  config.threads = 1;
  Model c = HeartMlp();
  Model d = HeartMlp();
  const TrainResult rc = MustTrain(config, c, data);
  config.seed = 43;
  const TrainResult rd = MustTrain(config, d, data);
  EXPECT_NE(rc.update, rd.update);  // another shuffle
}

TEST(MlTrainerTest, SmallCnnSameSeedSameResultWithTwoThreads) {
  IdxOptions options;
  options.max_examples = 128;
  auto data = LoadIdxDataset(kFashionDir + "t10k-images-idx3-ubyte.gz",
                             kFashionDir + "t10k-labels-idx1-ubyte.gz", options);
  ASSERT_THAT(data, IsOk());
  ModelSpec spec;
  spec.architecture = "cnn";
  spec.input_shape = {1, 28, 28};
  spec.num_classes = 10;
  TrainConfig config;
  config.momentum = 0.9;
  config.batch_size = 16;
  config.threads = 2;
  config.seed = 9;
  auto a = Model::Create(spec);
  auto b = Model::Create(spec);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(MustTrain(config, *a, *data).update, MustTrain(config, *b, *data).update);
}

TEST(MlTrainerTest, FedProxShrinksTheUpdate) {
  const Dataset data = Heart();
  TrainConfig config;
  config.learning_rate = 0.01;
  config.epochs = 5;
  config.threads = 1;
  Model plain = HeartMlp();
  const double plain_norm = Norm(MustTrain(config, plain, data).update);
  config.fedprox_mu = 50;  // lr * mu = 0.5: the proximal pull dominates but stays stable
  Model prox = HeartMlp();
  const double prox_norm = Norm(MustTrain(config, prox, data).update);
  EXPECT_GT(plain_norm, 0);
  EXPECT_LT(prox_norm, 0.5 * plain_norm) << "plain " << plain_norm << " prox " << prox_norm;
}

TEST(MlTrainerTest, RejectsBadConfigAndData) {
  auto bad = [](auto mutate) {
    TrainConfig config;
    mutate(config);
    return Trainer::Create(config).status();
  };
  EXPECT_THAT(bad([](TrainConfig& c) { c.optimizer = "rmsprop"; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.learning_rate = 0; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("learning_rate")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.momentum = 1; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("momentum")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.epochs = 0; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("epochs")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.batch_size = 0; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_size")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.fedprox_mu = -1; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fedprox_mu")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.dp_noise_multiplier = 1; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dp_clip_norm")));
  EXPECT_THAT(bad([](TrainConfig& c) { c.threads = -2; }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threads")));

  auto trainer = Trainer::Create(TrainConfig{});
  ASSERT_THAT(trainer, IsOk());
  const Dataset heart = Heart();
  ModelSpec cnn_spec;
  cnn_spec.architecture = "cnn";
  cnn_spec.input_shape = {1, 28, 28};
  cnn_spec.num_classes = 10;
  auto cnn = Model::Create(cnn_spec);
  EXPECT_THAT(trainer->Train(*cnn, heart),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[13]")));
  // Ten classes of data, two model outputs.
  auto ten = Dataset::Create(std::vector<float>(13, 0.5f), {9}, {13}, 10);
  Model mlp = HeartMlp();
  EXPECT_THAT(trainer->Train(mlp, *ten),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("10 classes")));
  EXPECT_THAT(trainer->Train(mlp, heart.Head(0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no training examples")));
}

// Logistic regression (no hidden layer) with weights set by hand: logits [0, x1 - x2],
// so P(class 1) = sigmoid(d) with d = x1 - x2. Expected values in closed form.
TEST(MlEvaluateTest, HandComputedBinaryMetrics) {
  ModelSpec spec;
  spec.architecture = "mlp";
  spec.input_shape = {2};
  spec.hidden_units = {};
  auto model = Model::Create(spec);
  ASSERT_THAT(model, IsOk());
  // fc1_weight [2, 2] = [[0, 0], [1, -1]], fc1_bias [2] = [0, 0].
  ASSERT_THAT(model->SetParameters(std::vector<float>{0, 0, 1, -1, 0, 0}), IsOk());
  // d = 1 (label 1), -1 (0), 2 (0), 0 (1), -3 (0).
  auto data = Dataset::Create({1, 0, 0, 1, 2, 0, 0, 0, 0, 3}, {1, 0, 0, 1, 0}, {2}, 2);
  ASSERT_THAT(data, IsOk());
  auto metrics = Evaluate(*model, *data, /*batch_size=*/2);
  ASSERT_THAT(metrics, IsOk());
  // Cross-entropy: label 1 -> log(1 + e^-d), label 0 -> log(1 + e^d).
  const double expected_loss =
      (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(-1.0)) + std::log1p(std::exp(2.0)) +
       std::log(2.0) + std::log1p(std::exp(-3.0))) /
      5;
  EXPECT_NEAR(metrics->loss, expected_loss, 1e-6);
  // Predictions (arg-max, ties to class 0): 1, 0, 1, 0, 0 -> 3 of 5 correct.
  EXPECT_DOUBLE_EQ(metrics->accuracy, 0.6);
  // Positives score sigmoid(1), sigmoid(0); negatives sigmoid(-1), sigmoid(2),
  // sigmoid(-3): each positive beats 2 of 3 negatives, AUC 4/6.
  EXPECT_NEAR(*metrics->auc, 4.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(*metrics->precision, 0.5);  // TP example 0, FP example 2
  EXPECT_DOUBLE_EQ(*metrics->recall, 0.5);     // FN example 3
  EXPECT_EQ(metrics->num_examples, 5u);
}

Prg SeededPrg(uint8_t seed) {
  std::array<uint8_t, Prg::kSeedSize> bytes{};
  bytes[0] = seed;
  return Prg(bytes, "ml.trainer_test");
}

// One full-batch SGD step with lr 1 and no noise moves the weights by the mean of
// per-example gradients clipped to C, so the update norm is at most C.
TEST(MlDpSgdTest, ClippingBoundsTheUpdate) {
  const Dataset data = Heart();
  TrainConfig config;
  config.learning_rate = 1.0;
  config.batch_size = 270;
  config.threads = 1;
  Model unclipped = HeartMlp();
  const double plain_norm = Norm(MustTrain(config, unclipped, data).update);
  config.dp_clip_norm = 0.01;
  Model clipped = HeartMlp();
  const TrainResult result = MustTrain(config, clipped, data);
  EXPECT_GT(plain_norm, 0.05);  // so the bound below is not vacuous
  EXPECT_LE(Norm(result.update), 0.01 * (1 + 1e-4));
  EXPECT_GT(Norm(result.update), 0.001);
  EXPECT_EQ(result.steps, 1u);
}

TEST(MlDpSgdTest, NoiseIsSeededAndPoissonStepsCounted) {
  const Dataset data = Heart();
  TrainConfig config;
  config.learning_rate = 0.1;
  config.batch_size = 27;
  config.threads = 1;
  config.dp_clip_norm = 1.0;
  config.dp_noise_multiplier = 1.1;
  config.dp_poisson_sampling = true;
  Prg rng_a = SeededPrg(1);
  Prg rng_b = SeededPrg(1);
  Prg rng_c = SeededPrg(2);
  Model a = HeartMlp();
  Model b = HeartMlp();
  Model c = HeartMlp();
  const TrainResult ra = MustTrain(config, a, data, &rng_a);
  const TrainResult rb = MustTrain(config, b, data, &rng_b);
  const TrainResult rc = MustTrain(config, c, data, &rng_c);
  EXPECT_EQ(ra.update, rb.update);
  EXPECT_NE(ra.update, rc.update);
  EXPECT_EQ(ra.steps, 10u);  // round(270 / 27)
  EXPECT_DOUBLE_EQ(ra.sampling_rate, 0.1);
}

// Noise calibration: one full-batch step (B = n = 270) with z = 100, C = 1, lr = 0.01.
// The noise per coordinate has std lr*z*C/B, so over the 258 parameters the update norm
// is about lr*sqrt(258)*z*C/B = 0.0595 (chi with 258 degrees of freedom: relative spread
// about 4.4%); the clipped signal adds at most lr*C = 0.01 in quadrature (1.4%).
TEST(MlDpSgdTest, NoiseHasTheConfiguredScale) {
  const Dataset data = Heart();
  TrainConfig config;
  config.learning_rate = 0.01;
  config.batch_size = 270;
  config.threads = 1;
  config.dp_clip_norm = 1.0;
  config.dp_noise_multiplier = 100;
  Prg rng = SeededPrg(3);
  Model model = HeartMlp();
  const TrainResult result = MustTrain(config, model, data, &rng);
  const double expected = 0.01 * std::sqrt(258.0) * 100 / 270;
  EXPECT_NEAR(Norm(result.update) / expected, 1.0, 0.15) << "Prg seed byte 3";
}

}  // namespace
}  // namespace fedcloak::ml
