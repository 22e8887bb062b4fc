#include "fedcloak/cli/session_description.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace fedcloak::cli {

absl::Status KnownDataShape(const fl::RunConfig& c, std::vector<int64_t>* shape,
                            int64_t* num_classes) {
  switch (c.data.dataset) {
    case fl::DatasetKind::kFashionMnist:
      *shape = {1, 28, 28};
      *num_classes = 10;
      return absl::OkStatus();
    case fl::DatasetKind::kHeart:
      *shape = {13};
      *num_classes = 2;
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(fmt::format(
          "the coordinator cannot infer the input shape of data.dataset = \"{}\"; networked runs "
          "support \"fashion-mnist\" and \"heart\"",
          fl::DatasetKindName(c.data.dataset)));
  }
}

absl::StatusOr<std::string> DescribeSession(const fl::RunConfig& c, const ModelSource& m) {
  if (!m.torchscript_path.empty()) {
    return absl::InvalidArgumentError("a TorchScript model cannot be sent to networked sites");
  }
  nlohmann::json j = {
      {"version", 1},
      {"run", {{"name", c.run.name}, {"seed", c.run.seed}}},
      {"model",
       {{"architecture", m.spec.architecture},
        {"input_shape", m.spec.input_shape},
        {"num_classes", m.spec.num_classes},
        {"hidden", m.spec.hidden_units},
        {"seed", m.spec.seed}}},
      {"data",
       {{"dataset", std::string(fl::DatasetKindName(c.data.dataset))},
        {"test_fraction", c.data.test_fraction},
        {"standardize", c.data.standardize}}},
      {"train", {{"optimizer", std::string(fl::OptimizerKindName(c.train.optimizer))}}},
      {"dp",
       {{"dp_sgd", c.dp.enabled && c.dp.mechanism == fl::DpMechanism::kDpSgd},
        {"clip_norm", c.dp.clip_norm},
        {"noise_multiplier", c.dp.noise_multiplier}}}};
  return j.dump();
}

absl::StatusOr<SessionDescription> ParseSessionDescription(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("session description is not a JSON object");
  }
  SessionDescription d;
  try {
    if (j.at("version").get<int>() != 1) {
      return absl::InvalidArgumentError("session description version is not 1");
    }
    d.config.run.name = j.at("run").at("name").get<std::string>();
    d.config.run.seed = j.at("run").at("seed").get<uint64_t>();
    const auto& m = j.at("model");
    d.model.spec.architecture = m.at("architecture").get<std::string>();
    d.model.spec.input_shape = m.at("input_shape").get<std::vector<int64_t>>();
    d.model.spec.num_classes = m.at("num_classes").get<int64_t>();
    d.model.spec.hidden_units = m.at("hidden").get<std::vector<int64_t>>();
    d.model.spec.seed = m.at("seed").get<uint64_t>();
    const std::string dataset = j.at("data").at("dataset").get<std::string>();
    if (dataset == "heart") {
      d.config.data.dataset = fl::DatasetKind::kHeart;
    } else if (dataset == "fashion-mnist") {
      d.config.data.dataset = fl::DatasetKind::kFashionMnist;
    } else {
      return absl::InvalidArgumentError(fmt::format("data set \"{}\" is not supported", dataset));
    }
    d.config.data.test_fraction = j.at("data").at("test_fraction").get<double>();
    if (!(d.config.data.test_fraction >= 0 && d.config.data.test_fraction < 1)) {
      return absl::InvalidArgumentError("test_fraction is outside [0, 1)");
    }
    d.config.data.standardize = j.at("data").at("standardize").get<bool>();
    const std::string optimizer = j.at("train").at("optimizer").get<std::string>();
    if (optimizer != "sgd" && optimizer != "adam") {
      return absl::InvalidArgumentError(fmt::format("optimizer \"{}\" is unknown", optimizer));
    }
    d.config.train.optimizer =
        optimizer == "adam" ? fl::OptimizerKind::kAdam : fl::OptimizerKind::kSgd;
    d.config.dp.enabled = j.at("dp").at("dp_sgd").get<bool>();
    d.config.dp.mechanism = fl::DpMechanism::kDpSgd;
    d.config.dp.clip_norm = j.at("dp").at("clip_norm").get<double>();
    d.config.dp.noise_multiplier = j.at("dp").at("noise_multiplier").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(fmt::format("session description: {}", e.what()));
  }
  return d;
}

}  // namespace fedcloak::cli
