# The README's contract: `make demo` and `make test`. Both install what is missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
LAUNCHER   := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
SOURCES     = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)

.PHONY: all deps configure build test demo bench format format-check asan-test clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 600

demo: build
	@scripts/demo $(BUILD)

bench: build
	@scripts/bench $(BUILD)

format:
	@clang-format -i $(SOURCES)

format-check:
	@out=$$(clang-format --dry-run $(SOURCES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" | head -40; \
	  echo "format-check: files differ from .clang-format; run 'make format'"; exit 1; fi; \
	echo "format-check: $(words $(SOURCES)) files clean"

# ASan + UBSan build of every module that does not link libtorch, and its tests.
asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFEDCLOAK_WITH_TORCH=OFF -DFEDCLOAK_SANITIZE=ON $(LAUNCHER) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS) --timeout 900

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD)
