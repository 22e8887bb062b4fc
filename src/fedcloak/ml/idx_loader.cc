#include "fedcloak/ml/idx_loader.h"

#include <fmt/format.h>

#include <utility>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/loader_util.h"

namespace fedcloak::ml {
namespace {

// Fashion-MNIST's training images are 47 MB; leave room for larger IDX sets.
constexpr size_t kMaxIdxBytes = size_t{1} << 30;
constexpr uint8_t kTypeUnsignedByte = 0x08;

}  // namespace

absl::StatusOr<IdxArray> ParseIdx(std::span<const uint8_t> bytes, std::string_view source) {
  if (bytes.size() < 4) {
    return absl::DataLossError(
        fmt::format("{}: {} bytes is too short for the 4-byte IDX magic", source, bytes.size()));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    return absl::DataLossError(fmt::format(
        "{}: byte 0: wrong IDX magic {:02x}{:02x} (expected 0000)", source, bytes[0], bytes[1]));
  }
  if (bytes[2] != kTypeUnsignedByte) {
    return absl::DataLossError(fmt::format(
        "{}: byte 2: IDX element type 0x{:02x} is not supported (only 0x08, unsigned byte)", source,
        bytes[2]));
  }
  const size_t ndims = bytes[3];
  if (ndims < 1 || ndims > 4) {
    return absl::DataLossError(
        fmt::format("{}: byte 3: {} IDX dimensions (supported: 1 to 4)", source, ndims));
  }
  const size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) {
    return absl::DataLossError(
        fmt::format("{}: truncated IDX header: {} bytes, the {} sizes need {}", source,
                    bytes.size(), ndims, header));
  }
  IdxArray out;
  size_t count = 1;
  for (size_t d = 0; d < ndims; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const uint32_t dim =
        (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    out.dims.push_back(dim);
    count *= dim;  // no overflow: count <= 2^30 before, dim < 2^32
    if (count > kMaxIdxBytes) {
      return absl::DataLossError(
          fmt::format("{}: byte {}: IDX sizes announce more than {} elements", source, 4 + 4 * d,
                      kMaxIdxBytes));
    }
  }
  const size_t available = bytes.size() - header;
  if (available != count) {
    return absl::DataLossError(fmt::format(
        "{}: byte {}: IDX sizes announce {} elements but {} bytes follow the header ({})", source,
        header, count, available, available < count ? "truncated" : "trailing bytes"));
  }
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

absl::StatusOr<Dataset> LoadIdxDataset(const std::string& images_path,
                                       const std::string& labels_path, const IdxOptions& options) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> image_bytes,
                            internal::ReadFileMaybeGzip(images_path, kMaxIdxBytes));
  FEDCLOAK_ASSIGN_OR_RETURN(IdxArray images, ParseIdx(image_bytes, images_path));
  image_bytes = {};
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> label_bytes,
                            internal::ReadFileMaybeGzip(labels_path, kMaxIdxBytes));
  FEDCLOAK_ASSIGN_OR_RETURN(IdxArray labels, ParseIdx(label_bytes, labels_path));
  if (images.dims.size() != 3) {
    return absl::InvalidArgumentError(
        fmt::format("{}: an image file has 3 IDX dimensions (count, rows, columns), this one {}",
                    images_path, images.dims.size()));
  }
  if (labels.dims.size() != 1) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: a label file has 1 IDX dimension, this one {}", labels_path, labels.dims.size()));
  }
  if (images.dims[0] != labels.dims[0]) {
    return absl::InvalidArgumentError(fmt::format("{} holds {} images but {} holds {} labels",
                                                  images_path, images.dims[0], labels_path,
                                                  labels.dims[0]));
  }
  size_t n = images.dims[0];
  if (options.max_examples > 0) n = std::min(n, options.max_examples);
  const size_t pixels = size_t{images.dims[1]} * images.dims[2];
  std::vector<float> features(n * pixels);
  for (size_t i = 0; i < features.size(); ++i) {
    features[i] = static_cast<float>(images.data[i]) * (1.0f / 255.0f);
  }
  std::vector<int64_t> classes(n);
  for (size_t i = 0; i < n; ++i) {
    classes[i] = labels.data[i];
    if (classes[i] >= options.num_classes) {
      return absl::InvalidArgumentError(
          fmt::format("{}: byte {}: label {} is not below the class count {}", labels_path, 8 + i,
                      classes[i], options.num_classes));
    }
  }
  return Dataset::Create(std::move(features), std::move(classes),
                         {1, int64_t{images.dims[1]}, int64_t{images.dims[2]}},
                         options.num_classes);
}

}  // namespace fedcloak::ml
