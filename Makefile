# wasmc - top-level build. Non-recursive; one object folder per source folder.
# `make help` lists the targets. Plain `make` builds the engine tools and the
# product; the tests (criterion, jansson's spec runner) build under `make
# test`.
#
# The may-use rules of docs/ARCHITECTURE.md are enforced by include paths:
# each folder compiles with only the headers it may use (the fuzz build
# too).

CC ?= cc
FUZZ_CC ?= clang-14
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
WAST ?= ../shared/testsuite/core
SPEC_ARGS ?=
# Failures listed there count as known failures (tests/spec/README.md).
SPEC_KNOWN := $(if $(wildcard tests/spec/known-failures.txt),--known-failures tests/spec/known-failures.txt)

# SANITIZE=1 builds, and reports, into build/san/, apart from the normal
# build's.
ifeq ($(SANITIZE),1)
OUT := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OUT := build
SANFLAGS :=
endif
OBJ := $(OUT)/obj
BIN := $(OUT)/bin
REPORTS := $(OUT)/reports

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=c11 -D_GNU_SOURCE -fno-strict-aliasing -fPIC $(WARN) $(SANFLAGS)
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
INC_component := -Icomponent -Iwasm -Iruntime -Icommon
INC_jit := -Ijit -Iwasm -Iruntime -Icommon $(LLVM_CPPFLAGS)
# tools/lib (wh_*: compile-and-load, spectest, values) and the engine tools
# see the whole engine; tests see it too, and tools/lib, not the tools.
INC_toollib := -Itools/lib -Ijit -Icomponent -Iwasm -Iruntime -Icommon $(LLVM_CPPFLAGS)
INC_tools := $(INC_toollib) $(JANSSON_CFLAGS)
INC_tests := $(INC_toollib)

COMMON_SRC := $(wildcard common/*.c)
RUNTIME_SRC := $(wildcard runtime/*.c)
WASM_SRC := $(wildcard wasm/*.c)
JIT_SRC := $(wildcard jit/*.c)
COMPONENT_SRC := $(wildcard component/*.c)
TOOLLIB_SRC := $(wildcard tools/lib/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(OBJ)/%.o)
WASM_OBJ := $(WASM_SRC:%.c=$(OBJ)/%.o)
JIT_OBJ := $(JIT_SRC:%.c=$(OBJ)/%.o)
COMPONENT_OBJ := $(COMPONENT_SRC:%.c=$(OBJ)/%.o)
TOOLLIB_OBJ := $(TOOLLIB_SRC:%.c=$(OBJ)/%.o)
ENGINE_OBJ := $(WASM_OBJ) $(RUNTIME_OBJ) $(COMMON_OBJ)
# Everything, with the compiler: for engine tools and tests.
FULL_OBJ := $(JIT_OBJ) $(COMPONENT_OBJ) $(ENGINE_OBJ)
# The runtime (artifact digests) needs libcrypto; every binary links it.
RUNTIME_LIBS := -lcrypto -lpthread -lm
FULL_LIBS := $(LLVM_LIBS) $(RUNTIME_LIBS)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BIN)/unit-%)

TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(TOOL_SRC:tools/%.c=$(BIN)/%)
# What `make test` builds on top of `make`.
TEST_BIN := $(BIN)/spec-runner $(UNIT_BIN)

.PHONY: all help test unit spec fuzz bench deps clean format format-diff
# Keep the objects of pattern-rule chains (test binaries) between runs.
.SECONDARY:
all: $(TOOL_BIN)

$(OBJ)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_common) -MMD -MP -c $< -o $@
$(OBJ)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_runtime) -MMD -MP -c $< -o $@
$(OBJ)/wasm/%.o: wasm/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_wasm) -MMD -MP -c $< -o $@

$(OBJ)/component/%.o: component/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_component) -MMD -MP -c $< -o $@
$(OBJ)/jit/%.o: jit/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_jit) -MMD -MP -c $< -o $@

$(OBJ)/tools/lib/%.o: tools/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_toollib) -MMD -MP -c $< -o $@
$(OBJ)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tools) -MMD -MP -c $< -o $@
$(BIN)/%: $(OBJ)/tools/%.o $(TOOLLIB_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(JANSSON_LIBS) $(FULL_LIBS) -o $@
# The validator links no compiler: loading libLLVM would be most of the
# peak memory that the validate benchmark measures.
$(BIN)/wasmc-validate: $(OBJ)/tools/wasmc-validate.o $(ENGINE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(JANSSON_LIBS) $(RUNTIME_LIBS) -o $@

$(OBJ)/tests/spec/%.o: tests/spec/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_tests) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
SPEC_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/spec/*.c))
$(BIN)/spec-runner: $(SPEC_OBJ) $(TOOLLIB_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(JANSSON_LIBS) $(FULL_LIBS) -o $@

# tests/unit/support/: what several unit tests share (a module builder, a
# hand-assembled test module), linked into every unit binary.
UNIT_SUPPORT_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/unit/support/*.c))
$(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Itests/unit/support $(INC_tests) -MMD -MP -c $< -o $@
$(BIN)/unit-%: $(OBJ)/tests/unit/%.o $(UNIT_SUPPORT_OBJ) $(TOOLLIB_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(CRITERION_LIBS) $(FULL_LIBS) -o $@

# ---------------------------------------------------------------------------
# The product (DESIGN.md §1): protocol, daemon, workers, client.
#
#   proto/            wasmc/v1/*.proto -> $(GEN) by protoc-c (never committed),
#                     pb_util.c (budgeted unpacking, UTF-8 checks)
#   sandbox/          sbx_*.c: process hardening layers and seccomp filters
#   sandbox/exec/     wasmc-exec: exec worker (runtime + sandbox + proto;
#                     no LLVM, no wasm/)
#   sandbox/compile/  wasmc-compiler: compile worker (jit + wasm + sandbox)
#   daemon/           wasmcd (common + proto + nng; runtime's artifact
#                     header only: rt_artifact_hdr)
#   client/           libwasmc (include/wasmc/ + proto + common)
#   client/wasmctl/   wasmctl (libwasmc only)
#   examples/         example programs on libwasmc
GEN := $(OUT)/gen
LIBDIR := $(OUT)/lib
PROTO_FILES := $(wildcard proto/wasmc/v1/*.proto)
PROTO_GEN_C := $(PROTO_FILES:proto/%.proto=$(GEN)/%.pb-c.c)
PROTO_GEN_H := $(PROTO_FILES:proto/%.proto=$(GEN)/%.pb-c.h)
PROTO_OBJ := $(PROTO_GEN_C:$(GEN)/%.c=$(OBJ)/gen/%.o) $(patsubst %.c,$(OBJ)/%.o,$(wildcard proto/*.c))
NNG_LIBS := -lnng -lpthread
PROTOBUF_LIBS := -lprotobuf-c
SECCOMP_LIBS := -lseccomp

INC_proto := -Iproto -I$(GEN)
INC_sandbox := -Isandbox -Iruntime -Icommon $(INC_proto)
INC_exec := -Isandbox/exec -Icomponent $(INC_sandbox)
INC_compile := -Isandbox/compile -Isandbox -Ijit -Icomponent -Iwasm -Iruntime -Icommon $(INC_proto) $(LLVM_CPPFLAGS)
INC_daemon := -Idaemon -Icommon $(INC_proto)
INC_client := -Iinclude -Iclient -Icommon $(INC_proto)
INC_wasmctl := -Iinclude -Iclient/wasmctl
INC_examples := -Iinclude

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto $(PROTO_FILES)
	@mkdir -p $(GEN)
	protoc-c --proto_path=proto --c_out=$(GEN) $<
$(OBJ)/gen/%.o: $(GEN)/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Wno-missing-prototypes $(INC_proto) -MMD -MP -c $< -o $@
$(OBJ)/proto/%.o: proto/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_proto) -MMD -MP -c $< -o $@

SANDBOX_SRC := $(wildcard sandbox/*.c)
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(OBJ)/%.o)
EXEC_SRC := $(wildcard sandbox/exec/*.c)
EXEC_OBJ := $(EXEC_SRC:%.c=$(OBJ)/%.o)
COMPILE_SRC := $(wildcard sandbox/compile/*.c)
COMPILE_OBJ := $(COMPILE_SRC:%.c=$(OBJ)/%.o)
DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(OBJ)/%.o)
CLIENT_SRC := $(wildcard client/*.c)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(OBJ)/%.o)
WASMCTL_SRC := $(wildcard client/wasmctl/*.c)
WASMCTL_OBJ := $(WASMCTL_SRC:%.c=$(OBJ)/%.o)
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(BIN)/example-%)
# The daemon links one piece of runtime/: the artifact header check and seal.
DAEMON_RT_OBJ := $(filter $(OBJ)/runtime/rt_artifact_hdr.o,$(RUNTIME_OBJ))

PRODUCT := $(if $(EXEC_SRC),$(BIN)/wasmc-exec) $(if $(COMPILE_SRC),$(BIN)/wasmc-compiler) \
	$(if $(DAEMON_SRC),$(BIN)/wasmcd) \
	$(if $(CLIENT_SRC),$(LIBDIR)/libwasmc.so $(LIBDIR)/libwasmc.a $(LIBDIR)/pkgconfig/wasmc.pc) \
	$(if $(WASMCTL_SRC),$(BIN)/wasmctl) $(EXAMPLE_BIN)
all: $(PRODUCT) $(PROTO_OBJ)

$(OBJ)/sandbox/exec/%.o: sandbox/exec/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_exec) -MMD -MP -c $< -o $@
$(OBJ)/sandbox/compile/%.o: sandbox/compile/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_compile) -MMD -MP -c $< -o $@
$(OBJ)/sandbox/%.o: sandbox/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_sandbox) -MMD -MP -c $< -o $@
$(OBJ)/daemon/%.o: daemon/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_daemon) -MMD -MP -c $< -o $@
$(OBJ)/client/wasmctl/%.o: client/wasmctl/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_wasmctl) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
$(OBJ)/client/%.o: client/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -fvisibility=hidden $(INC_client) -MMD -MP -c $< -o $@
$(OBJ)/examples/%.o: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_examples) -MMD -MP -c $< -o $@

# wasmc-exec: no LLVM, no wasm/ (checked by tests/sandbox/link-check.sh).
# Of component/ it links what runs a component: the plan reader, the
# executor and the canonical ABI; no binary decoder, validator or planner.
COMPONENT_EXEC_OBJ := $(filter-out $(OBJ)/component/cm_decode% $(OBJ)/component/cm_validate% \
	$(OBJ)/component/cm_plan_build% $(OBJ)/component/cm_reader%,$(COMPONENT_OBJ))
$(BIN)/wasmc-exec: $(EXEC_OBJ) $(SANDBOX_OBJ) $(PROTO_OBJ) $(COMPONENT_EXEC_OBJ) $(RUNTIME_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(PROTOBUF_LIBS) $(SECCOMP_LIBS) $(RUNTIME_LIBS) -o $@
$(BIN)/wasmc-compiler: $(COMPILE_OBJ) $(SANDBOX_OBJ) $(PROTO_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(PROTOBUF_LIBS) $(SECCOMP_LIBS) $(FULL_LIBS) -o $@
# Sandbox tests (tests/sandbox/run.sh): sandbox-driver speaks worker.proto
# to both workers; sandbox-attack enters the exec worker's sandbox states
# through sandbox/*.o (the same calls as wasmc-exec) and tries forbidden
# syscalls; link-check.sh checks wasmc-exec links no compiler.
INC_sbxtest := -Itests/sandbox $(INC_sandbox)
SBXTEST_BIN := $(BIN)/sandbox-driver $(BIN)/sandbox-attack
$(OBJ)/tests/sandbox/%.o: tests/sandbox/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_sbxtest) -MMD -MP -c $< -o $@
$(BIN)/sandbox-driver: $(OBJ)/tests/sandbox/driver.o $(PROTO_OBJ) $(DAEMON_RT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(PROTOBUF_LIBS) -lcrypto -o $@
$(BIN)/sandbox-attack: $(OBJ)/tests/sandbox/attack.o $(SANDBOX_OBJ) $(PROTO_OBJ) $(RUNTIME_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(PROTOBUF_LIBS) $(SECCOMP_LIBS) $(RUNTIME_LIBS) -o $@
.PHONY: sandbox-test
sandbox-test: $(BIN)/wasmc-exec $(BIN)/wasmc-compiler $(SBXTEST_BIN)
	bash tests/sandbox/run.sh $(BIN)
$(BIN)/wasmcd: $(DAEMON_OBJ) $(PROTO_OBJ) $(DAEMON_RT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed $^ $(NNG_LIBS) $(PROTOBUF_LIBS) -lcrypto -o $@
# Daemon tests (tests/daemon/): a real wasmcd on a private socket and
# cache, driven by a raw nng + protobuf-c client; fixtures in .wat, encoded
# at test time.
DAEMON_TEST_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/daemon/fake_exec.c,$(wildcard tests/daemon/*.c)))
$(OBJ)/tests/daemon/%.o: tests/daemon/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Itests/daemon -Icommon $(INC_proto) -MMD -MP -c $< -o $@
$(BIN)/daemon-test: $(DAEMON_TEST_OBJ) $(PROTO_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(NNG_LIBS) $(PROTOBUF_LIBS) -lcrypto -o $@
# A misbehaving exec worker (hangs, garbage, no Ready) for the daemon tests.
$(BIN)/daemon-test-fake-exec: $(OBJ)/tests/daemon/fake_exec.o $(PROTO_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(PROTOBUF_LIBS) -o $@
.PHONY: daemon-test
daemon-test: $(BIN)/daemon-test $(BIN)/daemon-test-fake-exec $(BIN)/wasmcd $(BIN)/wasmc-exec $(BIN)/wasmc-compiler
	node tests/tools/wat2wasm.mjs $(OUT)/daemon-test tests/daemon/*.wat
	$(BIN)/daemon-test --bin $(BIN) --fixtures $(OUT)/daemon-test
# libwasmc: no LLVM, nothing of runtime/, jit/, wasm/.
LIBWASMC_OBJ := $(CLIENT_OBJ) $(PROTO_OBJ) $(COMMON_OBJ)
$(LIBDIR)/libwasmc.so: $(LIBWASMC_OBJ) client/libwasmc.map
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -shared -Wl,-soname,libwasmc.so.0 -Wl,--as-needed \
		-Wl,--version-script=client/libwasmc.map $(LIBWASMC_OBJ) $(NNG_LIBS) $(PROTOBUF_LIBS) -lcrypto -o $@
$(LIBDIR)/libwasmc.a: $(LIBWASMC_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIBDIR)/pkgconfig/wasmc.pc: client/wasmc.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@
# Programs on libwasmc link the static library (no rpath games in tests).
LIBWASMC_LINK := $(LIBDIR)/libwasmc.a $(NNG_LIBS) $(PROTOBUF_LIBS) -lcrypto
$(BIN)/wasmctl: $(WASMCTL_OBJ) $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(WASMCTL_OBJ) $(LIBWASMC_LINK) $(JANSSON_LIBS) -lm -lpthread -o $@
$(BIN)/example-%: $(OBJ)/examples/%.o $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(LIBWASMC_LINK) -o $@

# Client unit tests (tests/client/, criterion): WAVE text, values, protocol
# encoding. They see the client's internals and link libwasmc.a.
CLIENT_TEST_SRC := $(wildcard tests/client/*.c)
CLIENT_TEST_BIN := $(CLIENT_TEST_SRC:tests/client/%.c=$(BIN)/client-%)
$(OBJ)/tests/client/%.o: tests/client/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_client) -MMD -MP -c $< -o $@
$(BIN)/client-%: $(OBJ)/tests/client/%.o $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(LIBWASMC_LINK) $(CRITERION_LIBS) -lm -o $@
.PHONY: client-test client-e2e
client-test: $(CLIENT_TEST_BIN)
	@set -e; for t in $(CLIENT_TEST_BIN); do echo "== $$t"; $$t --jobs 1; done
# wasmctl and the examples against a real wasmcd (private socket and cache).
client-e2e: $(BIN)/wasmcd $(BIN)/wasmctl $(BIN)/example-hello $(BIN)/example-nested \
		$(BIN)/wasmc-exec $(BIN)/wasmc-compiler
	bash tests/client/e2e.sh $(BIN)

# Integration: a real wasmcd per test, driven through libwasmc, raw nng and
# wasmctl (tests/integration/run.sh).
IT_SRC := $(wildcard tests/integration/*.c)
IT_OBJ := $(IT_SRC:%.c=$(OBJ)/%.o)
$(OBJ)/tests/integration/%.o: tests/integration/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Itests/integration $(INC_proto) -MMD -MP -c $< -o $@
$(BIN)/integration-tests: $(IT_OBJ) $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(IT_OBJ) $(LIBWASMC_LINK) $(CRITERION_LIBS) -lpthread -o $@
.PHONY: systemd-test link-check product-test install-test
systemd-test:
	bash tests/systemd/run.sh
# make install into a scratch DESTDIR, and the installed pieces at work.
install-test: $(PRODUCT)
	SANITIZE=$(SANITIZE) bash tests/install/run.sh
# No LLVM, runtime, jit or wasm in libwasmc and wasmcd (nm/ldd).
link-check: $(PRODUCT)
	bash tests/client/link-check.sh $(BIN) $(LIBDIR)
# Everything of the product: workers and their sandbox, the client library,
# the daemon alone, then all of it together through libwasmc and wasmctl.
product-test: sandbox-test client-test daemon-test link-check systemd-test install-test integration-test
.PHONY: integration-test
integration-test: $(PRODUCT) $(BIN)/integration-tests $(BIN)/wasmc-run $(BIN)/greet component-fixtures
	WASMC_SANITIZE=$(SANITIZE) bash tests/integration/run.sh $(BIN)

# Benchmarks of the daemon (bench/daemon/, suite `daemon` of make bench):
# bench-daemon through libwasmc, bench-inproc with the engine in process.
$(OBJ)/bench/daemon/bench_daemon.o: bench/daemon/bench_daemon.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -MMD -MP -c $< -o $@
$(OBJ)/bench/daemon/bench_inproc.o: bench/daemon/bench_inproc.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_toollib) -MMD -MP -c $< -o $@
$(BIN)/bench-daemon: $(OBJ)/bench/daemon/bench_daemon.o $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(LIBWASMC_LINK) -lpthread -o $@
$(BIN)/bench-inproc: $(OBJ)/bench/daemon/bench_inproc.o $(TOOLLIB_OBJ) $(FULL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(FULL_LIBS) -o $@
$(OBJ)/bench/daemon/bench_nng_echo.o: bench/daemon/bench_nng_echo.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(BIN)/bench-nng-echo: $(OBJ)/bench/daemon/bench_nng_echo.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(NNG_LIBS) -o $@
BENCH_DAEMON_BINS := $(PRODUCT) $(BIN)/bench-daemon $(BIN)/bench-inproc $(BIN)/bench-nng-echo
# bench-greet: the seed example through wasmcd (suite components).
$(OBJ)/bench/components/bench_greet.o: bench/components/bench_greet.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(INC_examples) -MMD -MP -c $< -o $@
$(BIN)/bench-greet: $(OBJ)/bench/components/bench_greet.o $(LIBDIR)/libwasmc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< $(LIBWASMC_LINK) -o $@
BENCH_COMPONENT_BINS := $(PRODUCT) $(BIN)/bench-abi $(BIN)/bench-greet

# make install [DESTDIR=...] [PREFIX=/usr/local]: daemon, workers (in
# libexec), wasmctl, libwasmc with headers and pkg-config, the systemd unit
# with its sysusers.d/tmpfiles.d snippets, a default configuration.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/wasmc
LIBDIR_INSTALL ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR ?= $(PREFIX)/share/doc/wasmc
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
.PHONY: install run product
product: $(PRODUCT)
install: $(PRODUCT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/wasmc $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/wasmc $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BIN)/wasmcd $(BIN)/wasmctl $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BIN)/wasmc-exec $(BIN)/wasmc-compiler $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(LIBDIR)/libwasmc.so $(DESTDIR)$(LIBDIR_INSTALL)/libwasmc.so.0
	ln -sf libwasmc.so.0 $(DESTDIR)$(LIBDIR_INSTALL)/libwasmc.so
	install -m 0644 $(LIBDIR)/libwasmc.a $(DESTDIR)$(LIBDIR_INSTALL)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' client/wasmc.pc.in > $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/wasmc.pc
	install -m 0644 include/wasmc/*.h $(DESTDIR)$(INCLUDEDIR)/wasmc/
	sed -e 's|@BINDIR@|$(BINDIR)|g;s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g;s|@DOCDIR@|$(DOCDIR)|g' \
		systemd/wasmcd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/wasmcd.service
	install -m 0644 systemd/wasmc.sysusers $(DESTDIR)$(SYSUSERSDIR)/wasmc.conf
	install -m 0644 systemd/wasmc.tmpfiles $(DESTDIR)$(TMPFILESDIR)/wasmc.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/wasmc/wasmcd.conf ] || \
		install -m 0644 systemd/wasmcd.conf $(DESTDIR)$(SYSCONFDIR)/wasmc/wasmcd.conf
	install -m 0644 docs/ARCHITECTURE.md docs/product.md README.md $(DESTDIR)$(DOCDIR)/

# make run: what a fresh machine needs, then wasmcd in the foreground with
# its built-in defaults (socket and cache under a per-user directory; it
# prints where). WASMCD_ARGS adds flags.
WASMCD_ARGS ?=
run:
	bash scripts/install-deps.sh
	$(MAKE) -j2 product
	$(BIN)/wasmcd --foreground $(WASMCD_ARGS)

deps:
	bash scripts/install-deps.sh

# Every binary runs, even after a failure; one closing line over all.
unit: $(UNIT_BIN)
	@bash tests/unit/run.sh $(UNIT_BIN)

spec: $(BIN)/spec-runner
	bash tests/spec/run.sh $(BIN)/spec-runner $(REPORTS)/spec.json $(WAST) -- $(SPEC_KNOWN) $(SPEC_ARGS)

# Our own scripts (tests/wast/): what the shared suite leaves out, run by
# the same runner in both tiers, with every feature on.
.PHONY: wast-test
wast-test: $(BIN)/spec-runner
	bash tests/spec/run.sh $(BIN)/spec-runner $(REPORTS)/wast.json tests/wast --

# Tests build here, not under plain `make` (criterion is a test-only
# dependency).
test: unit spec wast-test tools-test product-test

# wasmc-run as a command (tests/tools/run.sh): the kernels with both tiers,
# traps, malformed and invalid files, bad arguments, result printing.
.PHONY: tools-test
tools-test: $(BIN)/wasmc-run $(BIN)/wasmc-compile bench-build
	bash tests/tools/run.sh $(BIN)/wasmc-run $(BENCH_KERNELS) $(BIN)/wasmc-compile

# libFuzzer targets (tests/fuzz/): fuzz-validate (decode + validate
# arbitrary bytes) and fuzz-compile (validate, compile with the jit, load,
# instantiate, call the exports). FUZZ_TARGET picks which `make fuzz` runs.
# Every folder compiles with its own include path, as in the normal build,
# into build/fuzz/obj/.
FUZZ_TARGET ?= validate compile
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -fno-strict-aliasing -g -O1 $(WARN) $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link
FUZZ_OBJ := build/fuzz/obj
define fuzz_folder
$(FUZZ_OBJ)/$(1)/%.o: $(1)/%.c
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $(2) -MMD -MP -c $$< -o $$@
endef
$(eval $(call fuzz_folder,common,$$(INC_common)))
$(eval $(call fuzz_folder,runtime,$$(INC_runtime)))
$(eval $(call fuzz_folder,wasm,$$(INC_wasm)))
$(eval $(call fuzz_folder,jit,$$(INC_jit)))
$(eval $(call fuzz_folder,component,$$(INC_component)))
$(FUZZ_OBJ)/tests/fuzz/fuzz_validate.o: tests/fuzz/fuzz_validate.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_wasm) -MMD -MP -c $< -o $@
$(FUZZ_OBJ)/tests/fuzz/fuzz_compile.o: tests/fuzz/fuzz_compile.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_jit) -MMD -MP -c $< -o $@
FUZZ_ENGINE_OBJ := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(WASM_SRC) $(RUNTIME_SRC) $(COMMON_SRC))
build/fuzz/fuzz-validate: $(FUZZ_OBJ)/tests/fuzz/fuzz_validate.o $(FUZZ_ENGINE_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(RUNTIME_LIBS) -o $@
build/fuzz/fuzz-compile: $(FUZZ_OBJ)/tests/fuzz/fuzz_compile.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(JIT_SRC)) $(FUZZ_ENGINE_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LLVM_LIBS) $(RUNTIME_LIBS) -o $@
# fuzz-request: wasmcd's request decoding (daemon/wcd_decode.c) with the
# protocol's generated code and pb_util (FUZZ_TARGET=request).
$(eval $(call fuzz_folder,proto,$$(INC_proto)))
$(FUZZ_OBJ)/gen/%.o: $(GEN)/%.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes $(INC_proto) -MMD -MP -c $< -o $@
$(FUZZ_OBJ)/daemon/wcd_decode.o: daemon/wcd_decode.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_daemon) -MMD -MP -c $< -o $@
$(FUZZ_OBJ)/tests/fuzz/fuzz_request.o: tests/fuzz/fuzz_request.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_daemon) -MMD -MP -c $< -o $@
build/fuzz/fuzz-request: $(FUZZ_OBJ)/tests/fuzz/fuzz_request.o $(FUZZ_OBJ)/daemon/wcd_decode.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(wildcard proto/*.c)) \
		$(PROTO_GEN_C:$(GEN)/%.c=$(FUZZ_OBJ)/gen/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(PROTOBUF_LIBS) -o $@
# fuzz-direct: the exec worker's direct channel decoding
# (sandbox/exec/exw_direct.c), frames from the instance's owner
# (FUZZ_TARGET=direct).
$(FUZZ_OBJ)/sandbox/exec/exw_direct.o: sandbox/exec/exw_direct.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_exec) -MMD -MP -c $< -o $@
$(FUZZ_OBJ)/tests/fuzz/fuzz_direct.o: tests/fuzz/fuzz_direct.c $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC_exec) -MMD -MP -c $< -o $@
build/fuzz/fuzz-direct: $(FUZZ_OBJ)/tests/fuzz/fuzz_direct.o $(FUZZ_OBJ)/sandbox/exec/exw_direct.o \
		$(patsubst %.c,$(FUZZ_OBJ)/%.o,$(wildcard proto/*.c)) \
		$(PROTO_GEN_C:$(GEN)/%.c=$(FUZZ_OBJ)/gen/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(PROTOBUF_LIBS) -o $@
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
.PHONY: bench-kernels bench-build bench-daemon
bench-build:
	bash bench/kernels/build.sh $(BENCH_KERNELS)
bench: $(BIN)/wasmc-validate $(BIN)/wasmc-compile $(BENCH_WASMC_RUN) bench-build $(BENCH_DAEMON_BINS) \
		$(BENCH_COMPONENT_BINS) component-fixtures
	$(BENCH_RUN) --validate $(BIN)/wasmc-validate --compile $(BIN)/wasmc-compile --bin $(BIN) $(BENCH_ARGS)
bench-daemon: $(BENCH_DAEMON_BINS)
	$(BENCH_RUN) --suite daemon --bin $(BIN) $(BENCH_ARGS)
bench-components: $(BENCH_COMPONENT_BINS) component-fixtures
	$(BENCH_RUN) --suite components --bin $(BIN) $(BENCH_ARGS)
bench-kernels: $(BENCH_WASMC_RUN) bench-build
	$(BENCH_RUN) --suite kernels $(BENCH_ARGS)
.PHONY: bench-shapes
bench-shapes: $(BIN)/wasmc-compile
	$(BENCH_RUN) --suite compile-shapes --compile $(BIN)/wasmc-compile $(BENCH_ARGS)

# Whole files (rewraps lines older code wraps at 80 columns).
format:
	clang-format -i $(filter-out node_modules/% build/%,$(wildcard */*.c */*.h */*/*.c */*/*.h))

# Only the lines changed since FORMAT_BASE (default HEAD), in C files.
FORMAT_BASE ?= HEAD
format-diff:
	git clang-format --extensions c,h $(FORMAT_BASE)

clean:
	rm -rf build

# One line per target.
help:
	@echo 'make                  engine tools (build/bin/wasmc-validate, wasmc-compile, wasmc-run)'
	@echo '                      and the product (wasmcd, workers, libwasmc, wasmctl); no test deps'
	@echo 'make test             everything CI runs: unit, spec, tools, product and component tests (about 4 min here)'
	@echo 'make unit             unit tests (criterion, tests/unit/): the quick loop, seconds'
	@echo 'make spec [WAST=...]  core conformance run -> $(REPORTS)/spec.json (SPEC_ARGS=--no-exec:'
	@echo '                      decode + validate only, under a second)'
	@echo 'make tools-test       wasmc-run and wasmc-compile as commands (tests/tools/run.sh)'
	@echo 'make SANITIZE=1 test  the same under ASan + UBSan, built and reported in build/san/'
	@echo 'make fuzz             libFuzzer, FUZZ_TARGET=validate|compile|request|direct|component|cvals|cplan|cbuild,'
	@echo '                      FUZZ_SECONDS=N each'
	@echo 'make fuzz-diff        differential fuzzing: wasm-opt -ttf modules, wasmc (both tiers) against V8 and'
	@echo '                      wabt; FUZZ_SECONDS=N SEED=S FUZZ_DIFF_PROFILES=...; mismatches in build/fuzz-diff/'
	@echo 'make wast-test        our own scripts (tests/wast/) in both tiers'
	@echo 'make bench            benchmarks (validate, compile, kernels, daemon, components) -> $(REPORTS)/bench.json'
	@echo 'make bench-daemon     only the daemon suite; make bench-components: only the components suite'
	@echo 'make component-spec [WAST=...]  component-model conformance -> $(REPORTS)/component-spec.json'
	@echo 'make component-fixtures  the test components (greet, values, resources...) -> build/fixtures/components'
	@echo 'make bench-kernels    only the kernels suite (other suites kept in the report)'
	@echo 'make bench-shapes     only the compile-shapes suite (generated worst cases, 64 and 512 KB, both tiers)'
	@echo 'make bench-build      build the benchmark kernels (wasm32 and native) into build/bench/kernels'
	@echo 'make deps             install the Debian and npm packages the build needs'
	@echo 'make format           clang-format every C file in place'
	@echo 'make format-diff      clang-format only the lines changed since FORMAT_BASE (HEAD)'
	@echo 'make clean            remove build/'
	@echo 'make help             this list'
	@echo 'product targets: sandbox-test, client-test, daemon-test, install, run, product (see the Makefile section'
	@echo '"The product")'

# mk/*.mk: one file per area (component model, ...), each adding its own
# binaries and test targets (`test: its-test`).
-include $(sort $(wildcard mk/*.mk))

-include $(shell find $(OUT)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
