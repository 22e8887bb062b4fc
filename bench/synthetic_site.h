// A site for `fedcloak bench round`: it takes part in every protocol stage exactly as a
// real site does (fl::SiteRuntime: enrolment, SecAgg+ or threshold-HE stages), but its
// "training" returns a synthetic update of the configured size instead of running
// libtorch, so that the benchmark measures the deployed round itself: transport, mutual
// TLS, encoding, masking or encryption, aggregation and unmasking or decryption.
#ifndef FEDCLOAK_BENCH_SYNTHETIC_SITE_H_
#define FEDCLOAK_BENCH_SYNTHETIC_SITE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/key_attestation.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/fl/site_runtime.h"

namespace fedcloak::bench {

// Returns pseudo-random deltas, uniform in [-0.05, 0.05], derived from the training seed
// the coordinator sends (so a rerun with the same seed sends the same update).
class SyntheticLearner final : public fl::LocalLearner {
 public:
  SyntheticLearner(size_t num_parameters, uint64_t num_examples)
      : num_parameters_(num_parameters), num_examples_(num_examples) {}

  size_t num_parameters() const override { return num_parameters_; }
  absl::StatusOr<fl::LocalUpdate> Train(std::span<const float> global,
                                        const fl::TrainSettings& settings) override;
  absl::StatusOr<fl::LocalMetrics> Evaluate(std::span<const float> params) override;

 private:
  size_t num_parameters_;
  uint64_t num_examples_;
};

// Opens a fl::SiteRuntime with a SyntheticLearner when the coordinator opens a session
// (kEnroll), and hands every task to it. Not thread-safe (the site agent calls it from
// one thread).
class SyntheticSiteHandler final : public fl::TaskHandler {
 public:
  SyntheticSiteHandler(std::string site_name, size_t num_parameters);
  ~SyntheticSiteHandler() override;

  absl::StatusOr<fl::TaskResult> Handle(const fl::Task& task) override;

  // Passed to every SiteRuntime this handler opens (fl::SiteRuntime::set_key_attestation).
  void set_key_attestation(fl::KeyAttestor* attestor, const fl::KeyVerifier* verifier) {
    attestor_ = attestor;
    verifier_ = verifier;
  }

 private:
  std::string site_name_;
  fl::KeyAttestor* attestor_ = nullptr;
  const fl::KeyVerifier* verifier_ = nullptr;
  SyntheticLearner learner_;
  SessionId session_;
  std::unique_ptr<fl::SiteRuntime> runtime_;
};

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_SYNTHETIC_SITE_H_
