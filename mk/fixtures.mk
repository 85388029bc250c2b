# mk/fixtures.mk - component test fixtures (tests/fixtures/components/),
# built from our own sources at build time, never committed as binaries.
#
#   make component-fixtures       builds build/fixtures/components/*.wasm
#   make component-fixtures-test  checks each one with the pinned jco (its
#                                 WIT as printed by `jco wit` against the
#                                 expected.wit beside the sources, or the
#                                 rejection in expected-error.txt) and runs
#                                 each fixture that has a run-FOLDER.mjs
#                                 through `jco transpile` in node (the
#                                 reference engine); tests/fixtures/components/
#                                 README.md lists what each fixture is for
#
# Other makefiles can depend on $(COMPONENT_FIXTURES) or on one file, e.g.
# build/fixtures/components/greet-c.wasm.
# C guests: clang-14 --target=wasm32-unknown-unknown, freestanding (no libc,
# no WASI), canonical ABI by hand; embed.mjs (jco's componentEmbed) adds the
# WIT world, `jco new` makes the component. JavaScript guests: build-js.mjs
# (componentize-js, all optional features off). Text-format components:
# `jco parse`.

FX_SRC := tests/fixtures/components
FX_OUT := build/fixtures/components
FX_TMP := $(FX_OUT)/tmp
FX_JCO := node_modules/.bin/jco
FX_WASM_CC ?= clang-14
FX_WASM_CFLAGS := --target=wasm32-unknown-unknown -nostdlib -ffreestanding -fno-builtin \
	-O2 -Wall -Wextra -Werror -Wl,--no-entry
# A new jco or componentize-js rebuilds everything.
FX_TOOLS := package-lock.json $(FX_SRC)/embed.mjs

FX_C := greet-c values-c resources-c
FX_JS := greet-js
FX_WAT := trap post-return-import flags0 flags33 exceptions
FX_ALL := $(FX_C) $(FX_JS) $(FX_WAT)
COMPONENT_FIXTURES := $(FX_ALL:%=$(FX_OUT)/%.wasm)

.PHONY: component-fixtures component-fixtures-test
component-fixtures: $(COMPONENT_FIXTURES)

# Each fixture folder NAME/ holds NAME.wit (one world) and NAME.c, NAME.js
# or NAME.wat; a C or JS fixture is built as NAME-c or NAME-js.
fx_world = $(shell sed -n 's/^world \([a-z0-9-]*\).*/\1/p' $(FX_SRC)/$(1)/$(1).wit | head -n 1)

# C: core module, embedded WIT, component.
define fx_c_rule
$(FX_TMP)/$(1)-c.core.wasm: $(FX_SRC)/$(1)/$(1).c $(FX_SRC)/lib/fixture_alloc.h
	@mkdir -p $$(@D)
	$(FX_WASM_CC) $(FX_WASM_CFLAGS) -o $$@ $$<
$(FX_TMP)/$(1)-c.embed.wasm: $(FX_TMP)/$(1)-c.core.wasm $(FX_SRC)/$(1)/$(1).wit $(FX_TOOLS)
	node $(FX_SRC)/embed.mjs $$< $(FX_SRC)/$(1)/$(1).wit $(call fx_world,$(1)) $$@
$(FX_OUT)/$(1)-c.wasm: $(FX_TMP)/$(1)-c.embed.wasm
	$(FX_JCO) new $$< -o $$@
endef

# JavaScript: componentize-js.
define fx_js_rule
$(FX_OUT)/$(1)-js.wasm: $(FX_SRC)/$(1)/$(1).js $(FX_SRC)/$(1)/$(1).wit $(FX_SRC)/build-js.mjs \
		$(FX_SRC)/lib/shim-resolve.mjs $(FX_TOOLS)
	@mkdir -p $$(@D)
	node $(FX_SRC)/build-js.mjs $$< $(FX_SRC)/$(1)/$(1).wit $(call fx_world,$(1)) $$@
endef

# Component text format: jco parse.
define fx_wat_rule
$(FX_OUT)/$(1).wasm: $(FX_SRC)/$(1)/$(1).wat $(FX_TOOLS)
	@mkdir -p $$(@D)
	$(FX_JCO) parse $$< -o $$@
endef

$(foreach f,$(FX_C),$(eval $(call fx_c_rule,$(f:%-c=%))))
$(foreach f,$(FX_JS),$(eval $(call fx_js_rule,$(f:%-js=%))))
$(foreach f,$(FX_WAT),$(eval $(call fx_wat_rule,$(f))))

component-fixtures-test: $(COMPONENT_FIXTURES) $(FX_SRC)/check.sh $(wildcard $(FX_SRC)/run-*.mjs) \
		$(FX_SRC)/lib/harness.mjs
	bash $(FX_SRC)/check.sh $(FX_SRC) $(FX_OUT) $(FX_ALL)

test: component-fixtures-test
