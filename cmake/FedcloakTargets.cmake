# Target helpers in the style of Abseil's absl_cc_library: every module is a target
# with an explicit source list and explicit dependencies.

add_library(fedcloak_build_options INTERFACE)
target_compile_options(fedcloak_build_options INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${FEDCLOAK_WERROR}>:-Werror>)
if(FEDCLOAK_SANITIZE)
  target_compile_options(fedcloak_build_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(fedcloak_build_options INTERFACE -fsanitize=address,undefined)
endif()

# Third-party headers must not drown our warnings: mark them as system includes.
add_library(fedcloak_test_main INTERFACE)
target_link_libraries(fedcloak_test_main INTERFACE GTest::gmock GTest::gtest_main)

# fedcloak_cc_library(NAME n SRCS a.cc... [HDRS ...] [DEPS ...] [PRIVATE_DEPS ...])
# Creates target fedcloak_<n>.
function(fedcloak_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target fedcloak_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS} ${ARG_HDRS})
  target_include_directories(${target} PUBLIC
    ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE fedcloak_build_options ${ARG_PRIVATE_DEPS})
  if(FEDCLOAK_SANITIZE)
    target_link_libraries(${target} PUBLIC fedcloak_build_options)
  endif()
endfunction()

# fedcloak_cc_test(NAME n SRCS a_test.cc... DEPS ... [LABELS ...] [TIMEOUT s])
# Creates executable <n> and registers it with ctest.
function(fedcloak_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;ARGS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} fedcloak_test_main fedcloak_build_options)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} ${ARG_ARGS}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# fedcloak_cc_benchmark(NAME n SRCS a_benchmark.cc... DEPS ...)
function(fedcloak_cc_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark_main fedcloak_build_options)
endfunction()

# fedcloak_fuzz_target(NAME n SRCS f.cc DEPS ... CORPUS dir)
# Under clang with FEDCLOAK_LIBFUZZER it links libFuzzer; otherwise it links the replay
# main (fuzz/replay_main.cc), and ctest replays every file of the corpus through it.
function(fedcloak_fuzz_target)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} fedcloak_build_options)
  if(FEDCLOAK_LIBFUZZER AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
    add_test(NAME ${ARG_NAME}_replay COMMAND ${ARG_NAME} ${ARG_CORPUS}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(${ARG_NAME}_replay PROPERTIES TIMEOUT 120 LABELS "fuzz")
  endif()
endfunction()
