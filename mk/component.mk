# mk/component.mk - the component model's decoder/validator tests:
# component-spec-runner (tests/component/), `make component-spec`, and the
# libFuzzer target for component binaries (FUZZ_TARGET=component).
#
#   make component-spec [WAST='files or dirs'] [COMPONENT_SPEC_ARGS=--verbose]
#
# WAST defaults to the shared suite's component-model folder (the core
# runner's WAST default is core/, so a WAST given on the command line is
# used as is).

COMPONENT_WAST := $(if $(filter command line,$(origin WAST)),$(WAST),../shared/testsuite/component-model)
COMPONENT_SPEC_ARGS ?=

$(OBJ)/tests/component/%.o: tests/component/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_component) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
COMPONENT_SPEC_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/component/*.c))
$(BIN)/component-spec-runner: $(COMPONENT_SPEC_OBJ) $(COMPONENT_OBJ) $(ENGINE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(JANSSON_LIBS) $(RUNTIME_LIBS) -o $@

.PHONY: component-spec
component-spec: $(BIN)/component-spec-runner
	bash tests/component/run.sh $(BIN)/component-spec-runner $(REPORTS)/component-spec.json \
		$(COMPONENT_WAST) -- $(COMPONENT_SPEC_ARGS)

# fuzz-component: cm_decode + cm_validate of arbitrary bytes.
$(FUZZ_OBJ)/tests/fuzz/fuzz_component.o: tests/fuzz/fuzz_component.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_component) -MMD -MP -c $< -o $@
build/fuzz/fuzz-component: $(FUZZ_OBJ)/tests/fuzz/fuzz_component.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(COMPONENT_SRC)) $(FUZZ_ENGINE_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(RUNTIME_LIBS) -o $@
	@# tests/fuzz/run.sh seeds with core modules; components converted by
	@# make component-spec go into this target's corpus as well.
	@mkdir -p build/fuzz/corpus-fuzz-component
	@[ ! -d build/component-spec ] || find build/component-spec -name '*.wasm' -size -64k \
		-exec cp -n -t build/fuzz/corpus-fuzz-component {} + 2>/dev/null || true

# The component suite passes (0 failed): part of the whole check.
test: component-spec
