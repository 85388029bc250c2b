# mk/cabi.mk - the canonical ABI library (component/cm_val.c, cm_string,
# cm_handles, cm_abi*): its unit tests linked with nothing but the library
# and common/ (what the exec worker links: no wasm/, jit/ or runtime/), the
# libFuzzer target fuzz-cvals, and the bench-abi micro benchmark.
#
#   make cabi-test                 the three unit suites (also under `make test`)
#   make fuzz FUZZ_TARGET=cvals    value lists checked and lowered, memory lifted
#   make bench-abi                 lowering+lifting throughput, JSON lines on stdout

CABI_SRC := component/cm_type.c component/cm_val.c component/cm_string.c \
	component/cm_handles.c $(wildcard component/cm_abi*.c)
CABI_OBJ := $(CABI_SRC:%.c=$(OBJ)/%.o)
CABI_TESTS := cm_val cm_abi cm_handles
CABI_TEST_BIN := $(CABI_TESTS:%=$(BIN)/cabi-test_%)

# The same sources as tests/unit/test_cm_*.c (which `make unit` also links
# with everything), built against the library alone.
$(BIN)/cabi-test_%: $(OBJ)/tests/unit/test_%.o $(CABI_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(CRITERION_LIBS) -lm -o $@

.PHONY: cabi-test bench-abi
cabi-test: $(CABI_TEST_BIN)
	@bash tests/unit/run.sh $(CABI_TEST_BIN)
test: cabi-test

# fuzz-cvals: hostile node lists checked then lowered, hostile memory lifted.
$(FUZZ_OBJ)/tests/fuzz/fuzz_cvals.o: tests/fuzz/fuzz_cvals.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icomponent -Icommon -MMD -MP -c $< -o $@
build/fuzz/fuzz-cvals: $(FUZZ_OBJ)/tests/fuzz/fuzz_cvals.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(CABI_SRC) $(COMMON_SRC))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@

# bench-abi: list<u8> and string of 1 MiB lowered then lifted, beside memcpy.
$(OBJ)/bench/components/bench_abi.o: bench/components/bench_abi.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Icomponent -Icommon -MMD -MP -c $< -o $@
$(BIN)/bench-abi: $(OBJ)/bench/components/bench_abi.o $(CABI_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ -o $@
bench-abi: $(BIN)/bench-abi
	$(BIN)/bench-abi $(BENCH_ABI_ARGS)
