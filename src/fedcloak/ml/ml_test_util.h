// Test helpers of module ml: paths of the Debian-packaged data sets and scratch files.
#ifndef FEDCLOAK_ML_ML_TEST_UTIL_H_
#define FEDCLOAK_ML_ML_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace fedcloak::ml::testing {

inline const std::string kFashionDir = "/usr/share/datasets/fashion-mnist/";
inline const std::string kHeartScale = "/usr/share/doc/liblinear-tools/examples/heart_scale";

// A fresh directory for one test's files, removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view name)
      : path_(std::filesystem::temp_directory_path() /
              ("fedcloak_ml_" + std::string(name) + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(std::string_view name) const { return (path_ / name).string(); }
  std::string Write(std::string_view name, std::string_view contents) const {
    const std::string file = File(name);
    std::ofstream(file, std::ios::binary) << contents;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace fedcloak::ml::testing

#endif  // FEDCLOAK_ML_ML_TEST_UTIL_H_
