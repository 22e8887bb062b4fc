# fedcloak_fl_core: the parts of module fl that need nothing but base: server-side
# strategies and the run configuration (one TOML file). Included from CMakeLists.txt.
find_package(tomlplusplus REQUIRED)

fedcloak_cc_library(
  NAME fl_core
  SRCS run_config.cc run_config_reader.cc run_config_validate.cc strategy.cc
       strategy_adaptive.cc strategy_config.cc strategy_fedavg.cc
  HDRS run_config.h run_config_reader.h strategy.h strategy_adaptive.h strategy_config.h
       strategy_fedavg.h
  DEPS fedcloak_base absl::status absl::statusor
  PRIVATE_DEPS fmt::fmt tomlplusplus::tomlplusplus
)

fedcloak_cc_test(NAME fl_core_test
  SRCS run_config_test.cc run_config_validate_test.cc strategy_adaptive_test.cc
       strategy_test.cc
  DEPS fedcloak_fl_core fedcloak_base_testing
  LABELS fl
  TIMEOUT 60)
