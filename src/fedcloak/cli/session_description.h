// What a networked site needs to know about the run to take part, sent by the
// coordinator when the session opens (fl::EngineOptions::session_description): the
// model to build and how to read and split its local data. JSON, at most 64 KiB.
#ifndef FEDCLOAK_CLI_SESSION_DESCRIPTION_H_
#define FEDCLOAK_CLI_SESSION_DESCRIPTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "fedcloak/cli/ml_learner.h"
#include "fedcloak/fl/run_config.h"

namespace fedcloak::cli {

struct SessionDescription {
  fl::RunConfig config;  // run, data, model, train and dp sections as the coordinator set
  ModelSource model;     // built-in architecture only (a TorchScript file cannot travel)
};

// InvalidArgument for a TorchScript model or csv/libsvm data without a known shape.
absl::StatusOr<std::string> DescribeSession(const fl::RunConfig& config, const ModelSource& model);

// Validates everything (types, ranges, names): the text comes from the network.
absl::StatusOr<SessionDescription> ParseSessionDescription(const std::string& json);

// The input shape and class count of a built-in data set: {1, 28, 28} and 10 for
// Fashion-MNIST, {13} and 2 for the heart data. InvalidArgument for csv/libsvm.
absl::Status KnownDataShape(const fl::RunConfig& config, std::vector<int64_t>* shape,
                            int64_t* num_classes);

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_SESSION_DESCRIPTION_H_
