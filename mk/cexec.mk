# mk/cexec.mk - component instantiation and execution: the plan
# (component/cm_plan*.c), its execution (component/cm_exec*.c), the
# in-process execution half of component-spec-runner (tests/component/
# exec.c), the link check of the exec side, and the libFuzzer target for
# plan bytes.
#
#   make cexec-test               unit tests (plan, exec) + the link check
#   make component-spec           (mk/component.mk) now runs components too
#   make fuzz FUZZ_TARGET=cplan   cm_plan_deserialize of arbitrary bytes
#   make fuzz FUZZ_TARGET=cbuild  components decoded, validated, flattened
#
# component-spec-runner compiles core modules with the jit in process:
# tests/component/exec.o sees tools/lib and jit/, and the runner links the
# compiler (tools/lib + jit objects, LLVM).

$(OBJ)/tests/component/exec.o: CFLAGS += -Itools/lib -Ijit $(LLVM_CPPFLAGS)
$(BIN)/component-spec-runner: $(TOOLLIB_OBJ) $(JIT_OBJ)
$(BIN)/component-spec-runner: RUNTIME_LIBS += $(LLVM_LIBS)

# The exec side links runtime/, the canonical ABI and common/ only: no
# wasm/ (binary parser), no jit/, no decoder or validator of components.
CEXEC_SRC := $(wildcard component/cm_exec*.c) component/cm_plan_serial.c
CEXEC_LINK_SRC := $(CEXEC_SRC) $(CABI_SRC)
CEXEC_LINK_OBJ := $(CEXEC_LINK_SRC:%.c=$(OBJ)/%.o)
$(OBJ)/tests/unit/cexec_link_main.o: tests/unit/test_cm_exec.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -DCEXEC_LINK_MAIN -Icomponent -Iruntime -Icommon -MMD -MP -c $< -o $@
$(BIN)/cexec-link-check: $(OBJ)/tests/unit/cexec_link_main.o $(CEXEC_LINK_OBJ) $(RUNTIME_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(RUNTIME_LIBS) -o $@

.PHONY: cexec-test
cexec-test: $(BIN)/unit-test_cm_plan $(BIN)/unit-test_cm_exec $(BIN)/cexec-link-check
	@set -e; for f in $(CEXEC_SRC) component/cm_exec.h component/cm_exec_int.h; do \
		if grep -nE '#include "(wb_|jit|cm_decode|cm_validate|cm_component|cm_reader|cm_plan_build)' $$f; then \
			echo "$$f: the exec side includes a parser header"; exit 1; fi; done
	$(BIN)/cexec-link-check
	@bash tests/unit/run.sh $(BIN)/unit-test_cm_plan $(BIN)/unit-test_cm_exec
test: cexec-test

# fuzz-cplan: plan bytes are untrusted (they come from an artifact file).
$(FUZZ_OBJ)/tests/fuzz/fuzz_cplan.o: tests/fuzz/fuzz_cplan.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icomponent -Icommon -MMD -MP -c $< -o $@
build/fuzz/fuzz-cplan: $(FUZZ_OBJ)/tests/fuzz/fuzz_cplan.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,component/cm_plan_serial.c component/cm_type.c $(COMMON_SRC))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@
	@# seeds: the plans of the converted suite's components, written by
	@# component-spec-runner (WASMC_CPLAN_SEED_DIR), when it is built.
	@mkdir -p build/fuzz/corpus-fuzz-cplan
	@[ ! -x $(BIN)/component-spec-runner ] || [ ! -d build/component-spec ] || \
		WASMC_CPLAN_SEED_DIR=build/fuzz/corpus-fuzz-cplan $(BIN)/component-spec-runner --quiet \
		$$(find build/component-spec -name '*.json' -not -path '*/async/*') >/dev/null 2>&1 || true

# fuzz-cbuild: arbitrary bytes decoded, validated and, when valid,
# flattened into a plan and round-tripped (FUZZ_TARGET=cbuild). Seeds: the
# converted suite's components.
$(FUZZ_OBJ)/tests/fuzz/fuzz_cbuild.o: tests/fuzz/fuzz_cbuild.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_component) -MMD -MP -c $< -o $@
build/fuzz/fuzz-cbuild: $(FUZZ_OBJ)/tests/fuzz/fuzz_cbuild.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(COMPONENT_SRC)) $(FUZZ_ENGINE_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(RUNTIME_LIBS) -o $@
	@mkdir -p build/fuzz/corpus-fuzz-cbuild
	@[ ! -d build/component-spec ] || find build/component-spec -name '*.wasm' -size -64k \
		-exec cp -n -t build/fuzz/corpus-fuzz-cbuild {} + 2>/dev/null || true
