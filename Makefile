# wasmc - top-level build. Non-recursive; one object folder per source folder.
#
#   make                 build tools and libraries into build/
#   make test            unit tests (criterion) and the spec conformance run
#   make SANITIZE=1 test the same under AddressSanitizer + UBSan (build/san/)
#   make spec [WAST=...] core conformance run -> build/reports/spec.json
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGET=validate|compile]  libFuzzer:
#                        decode+validate, and validate+compile+instantiate+run
#                        (both by default, FUZZ_SECONDS each)
#   make bench           benchmarks -> build/reports/bench.json
#   make bench-kernels   only the kernels suite (same report, other suites kept)
#   make deps            install the Debian and npm packages the build needs
#
# The may-use rules of docs/ARCHITECTURE.md are enforced by include paths:
# each folder compiles with only the headers it may use.

CC ?= cc
FUZZ_CC ?= clang-14
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
WAST ?= ../shared/testsuite/core
SPEC_ARGS ?=
# Execution failures listed there count as skipped (tests/spec/README.md).
SPEC_KNOWN := $(if $(wildcard tests/spec/known-failures.txt),--known-failures tests/spec/known-failures.txt)

ifeq ($(SANITIZE),1)
OUT := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OUT := build
SANFLAGS :=
endif
OBJ := $(OUT)/obj
BIN := $(OUT)/bin
REPORTS := build/reports

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=c11 -D_GNU_SOURCE -fno-strict-aliasing $(WARN) $(SANFLAGS)
LDFLAGS_ALL := $(SANFLAGS)

LLVM_CONFIG ?= $(shell command -v llvm-config-19 || command -v llvm-config-16 || echo llvm-config)
LLVM_CPPFLAGS := $(shell $(LLVM_CONFIG) --cppflags 2>/dev/null)
LLVM_LIBS := $(shell $(LLVM_CONFIG) --ldflags 2>/dev/null) $(shell $(LLVM_CONFIG) --link-shared --libs 2>/dev/null)

JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

# Per-folder include paths (the may-use rules).
INC_common := -Icommon
INC_runtime := -Iruntime -Icommon
INC_wasm := -Iwasm -Iruntime -Icommon
INC_jit := -Ijit -Iwasm -Iruntime -Icommon $(LLVM_CPPFLAGS)
# Engine tools and tests see the whole engine.
# (recursive: JIT_SRC is set below)
INC_tools = -Itools -Ijit -Iwasm -Iruntime -Icommon $(LLVM_CPPFLAGS) \
	$(if $(JIT_SRC),-DWASMC_HAVE_JIT=1)

COMMON_SRC := $(wildcard common/*.c)
RUNTIME_SRC := $(wildcard runtime/*.c)
WASM_SRC := $(wildcard wasm/*.c)
JIT_SRC := $(wildcard jit/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(OBJ)/%.o)
WASM_OBJ := $(WASM_SRC:%.c=$(OBJ)/%.o)
JIT_OBJ := $(JIT_SRC:%.c=$(OBJ)/%.o)
ENGINE_OBJ := $(WASM_OBJ) $(RUNTIME_OBJ) $(COMMON_OBJ)
# Everything, with the compiler: for engine tools and tests.
FULL_OBJ := $(JIT_OBJ) $(ENGINE_OBJ)
# The runtime (artifact digests) needs libcrypto; every binary links it.
RUNTIME_LIBS := -lcrypto -lpthread -lm
FULL_LIBS := $(if $(JIT_SRC),$(LLVM_LIBS)) $(RUNTIME_LIBS)

# Tools and tests compile with WASMC_HAVE_JIT when jit/ exists: a stamp
# named after that choice rebuilds them when it changes.
HAVE_JIT := $(if $(JIT_SRC),1,0)
HAVE_JIT_STAMP := $(OBJ)/.have-jit
$(shell mkdir -p $(OBJ) && { [ "$$(cat $(HAVE_JIT_STAMP) 2>/dev/null)" = "$(HAVE_JIT)" ] || echo $(HAVE_JIT) > $(HAVE_JIT_STAMP); })

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BIN)/unit-%)

TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(TOOL_SRC:tools/%.c=$(BIN)/%)
TOOLS := $(TOOL_BIN) $(BIN)/spec-runner $(UNIT_BIN)

.PHONY: all test unit spec fuzz bench deps clean format
# Keep the objects of pattern-rule chains (test binaries) between runs.
.SECONDARY:
all: $(TOOLS)

$(OBJ)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_common) -MMD -MP -c $< -o $@
$(OBJ)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_runtime) -MMD -MP -c $< -o $@
$(OBJ)/wasm/%.o: wasm/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_wasm) -MMD -MP -c $< -o $@

$(OBJ)/jit/%.o: jit/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_jit) -MMD -MP -c $< -o $@

$(OBJ)/tools/%.o: tools/%.c $(HAVE_JIT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tools) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
$(BIN)/%: $(OBJ)/tools/%.o $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(JANSSON_LIBS) $(FULL_LIBS) -o $@
# The validator links no compiler: loading libLLVM would be most of the
# peak memory that the validate benchmark measures.
$(BIN)/wasmc-validate: $(OBJ)/tools/wasmc-validate.o $(ENGINE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(JANSSON_LIBS) $(RUNTIME_LIBS) -o $@

$(OBJ)/tests/spec/%.o: tests/spec/%.c $(HAVE_JIT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tools) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
SPEC_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/spec/*.c))
$(BIN)/spec-runner: $(SPEC_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(JANSSON_LIBS) $(FULL_LIBS) -o $@

$(OBJ)/tests/unit/%.o: tests/unit/%.c $(HAVE_JIT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tools) -MMD -MP -c $< -o $@
$(BIN)/unit-%: $(OBJ)/tests/unit/%.o $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(CRITERION_LIBS) $(FULL_LIBS) -o $@

deps:
	bash scripts/install-deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs 1; done

spec: $(BIN)/spec-runner
	bash tests/spec/run.sh $(BIN)/spec-runner $(REPORTS)/spec.json $(WAST) -- $(SPEC_KNOWN) $(SPEC_ARGS)

test: unit spec tools-test

# wasmc-run as a command (tests/tools/run.sh): the kernels with both tiers,
# traps, malformed and invalid files, bad arguments, result printing.
.PHONY: tools-test
tools-test: $(BIN)/wasmc-run $(BIN)/wasmc-compile bench-build
	bash tests/tools/run.sh $(BIN)/wasmc-run $(BENCH_KERNELS) $(BIN)/wasmc-compile

# libFuzzer targets (tests/fuzz/): fuzz-validate (decode + validate
# arbitrary bytes) and fuzz-compile (validate, compile with the jit, load,
# instantiate, call the exports). FUZZ_TARGET picks which `make fuzz` runs.
FUZZ_TARGET ?= validate compile
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_BIN := build/fuzz/fuzz-validate
FUZZ_SRCS := tests/fuzz/fuzz_validate.c $(COMMON_SRC) $(RUNTIME_SRC) $(WASM_SRC)
$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard wasm/*.h runtime/*.h common/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(INC_wasm) $(FUZZ_SRCS) $(RUNTIME_LIBS) -o $@
FUZZ_COMPILE_BIN := build/fuzz/fuzz-compile
FUZZ_COMPILE_SRCS := tests/fuzz/fuzz_compile.c $(JIT_SRC) $(COMMON_SRC) $(RUNTIME_SRC) $(WASM_SRC)
$(FUZZ_COMPILE_BIN): $(FUZZ_COMPILE_SRCS) $(wildcard jit/*.h wasm/*.h runtime/*.h common/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(INC_jit) $(FUZZ_COMPILE_SRCS) $(LLVM_LIBS) $(RUNTIME_LIBS) -o $@
fuzz: $(FUZZ_TARGET:%=build/fuzz/fuzz-%)
	@[ -d build/spec ] || $(MAKE) spec || true
	@set -e; for t in $(FUZZ_TARGET); do bash tests/fuzz/run.sh build/fuzz/fuzz-$$t $(FUZZ_SECONDS); done

# Benchmarks (bench/): suite validate, suite compile (wasmc-compile on
# StarlingMonkey, both tiers, under GNU time), and suite kernels (our C kernels built
# for wasm32 and natively by bench/kernels/build.sh, run natively, by
# wasmc-run in both tiers when it is built, and by node). BENCH_ARGS passes
# options to bench/run.mjs, e.g. BENCH_ARGS='--kernels-quick --kernel sieve'.
BENCH_KERNELS := build/bench/kernels
BENCH_WASMC_RUN := $(filter $(BIN)/wasmc-run,$(TOOL_BIN))
BENCH_ARGS ?=
BENCH_RUN := node bench/run.mjs --kernels $(BENCH_KERNELS) --wasmc-run $(BIN)/wasmc-run \
	--out $(REPORTS)/bench.json
.PHONY: bench-kernels bench-build
bench-build:
	bash bench/kernels/build.sh $(BENCH_KERNELS)
bench: $(BIN)/wasmc-validate $(BIN)/wasmc-compile $(BENCH_WASMC_RUN) bench-build
	$(BENCH_RUN) --validate $(BIN)/wasmc-validate --compile $(BIN)/wasmc-compile $(BENCH_ARGS)
bench-kernels: $(BENCH_WASMC_RUN) bench-build
	$(BENCH_RUN) --suite kernels $(BENCH_ARGS)

format:
	clang-format -i $(wildcard */*.c */*.h tests/*/*.c)

clean:
	rm -rf build

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
