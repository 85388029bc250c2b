# mk/client-comp.mk - libwasmc's component side: its unit tests (no
# daemon) and the greet example.
#
#   make client-comp-test   tests/client/test_comp_*.c (criterion): component
#                           values and their node lists, hostile replies,
#                           WAVE text, WIT of hand-made ComponentInfo, the
#                           linker and calls against a mock daemon
#   make greet              build/bin/greet (examples/greet.c): defines the
#                           import `name`, calls `greet`, prints the result
#
# The test binaries are built by the Makefile's client-% rule (every
# tests/client/*.c is part of `make client-test` too); this target runs
# only the component ones, with one closing line.

CLIENT_COMP_TEST_BIN := $(patsubst tests/client/%.c,$(BIN)/client-%,$(wildcard tests/client/test_comp*.c))

.PHONY: client-comp-test greet
client-comp-test: $(CLIENT_COMP_TEST_BIN)
	@bash tests/unit/run.sh $(CLIENT_COMP_TEST_BIN)
test: client-comp-test

$(BIN)/greet: $(OBJ)/examples/greet.o $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(LIBWASMC_LINK) -o $@
greet: $(BIN)/greet
all: $(BIN)/greet

# test_comp_mock runs greet and wasmctl against its mock daemon.
$(BIN)/client-test_comp_mock: $(BIN)/greet $(BIN)/wasmctl
