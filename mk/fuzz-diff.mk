# mk/fuzz-diff.mk - differential fuzzing against V8 and wabt (tests/fuzz-diff/).
#
#   make fuzz-diff [FUZZ_SECONDS=N] [SEED=S] [FUZZ_DIFF_PROFILES='mvp simd ...']
#
# Random modules from binaryen's `wasm-opt -ttf` (Debian binaryen), each
# run by wasmc in both tiers (build/bin/fuzz-diff-run), by node's V8 and by
# wabt's wasm-interp; results, traps (kind), imported calls and the final
# memory are compared where the two references agree. Mismatching modules
# are kept under build/fuzz-diff/ with a one-line reproducer. `make test`
# runs a short round (fuzz-diff-test, FUZZ_DIFF_TEST_SECONDS).
FUZZ_SECONDS ?= 300
SEED ?=
FUZZ_DIFF_PROFILES ?=
FUZZ_DIFF_TEST_SECONDS ?= 45

$(OBJ)/tests/fuzz-diff/%.o: tests/fuzz-diff/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tests) -MMD -MP -c $< -o $@
$(BIN)/fuzz-diff-run: $(OBJ)/tests/fuzz-diff/fd_run.o $(TOOLLIB_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(FULL_LIBS) -o $@

.PHONY: fuzz-diff fuzz-diff-test
# The runner is copied first: a rebuild during a long run must not pull it
# from under the driver.
fuzz-diff: $(BIN)/fuzz-diff-run
	install -D $(BIN)/fuzz-diff-run build/fuzz-diff/bin/fuzz-diff-run
	node tests/fuzz-diff/driver.mjs --run build/fuzz-diff/bin/fuzz-diff-run --out build/fuzz-diff \
		--seconds $(FUZZ_SECONDS) $(if $(SEED),--seed $(SEED)) \
		$(if $(FUZZ_DIFF_PROFILES),--profiles '$(FUZZ_DIFF_PROFILES)')
fuzz-diff-test: $(BIN)/fuzz-diff-run
	node tests/fuzz-diff/driver.mjs --run $(BIN)/fuzz-diff-run --out build/fuzz-diff \
		--seconds $(FUZZ_DIFF_TEST_SECONDS) --seed 1

test: fuzz-diff-test
