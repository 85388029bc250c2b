#!/usr/bin/env bash
# tests/sandbox/link-check.sh BIN_DIR - wasmc-exec must not contain the
# compiler: no libLLVM among its libraries (ldd), and no wasm/ (wb_) or
# jit/ (jit_) symbol in it (nm). wasmc-compiler, for contrast, must have
# both (so the check cannot pass by looking at the wrong thing). Of the
# component model, wasmc-exec runs plans but holds no component decoder,
# validator or planner (cm_decode*, cm_validate*, cm_plan_build*,
# cm_reader*): it executes what it cannot parse.
# Prints "N passed, M failed".
set -u
bin=${1:?usage: link-check.sh BIN_DIR}
passed=0
failed=0
check() { # description, command...
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok   $what"
	else
		failed=$((failed + 1))
		echo "FAIL $what"
	fi
}
no_llvm() { ! ldd "$1" | grep -qi 'libLLVM'; }
has_llvm() { ldd "$1" | grep -qi 'libLLVM'; }
# defined or undefined, code or data: any symbol named wb_* or jit_*
no_engine_syms() { ! nm -a "$1" 2>/dev/null | grep -qE ' (wb|jit)_[A-Za-z0-9_]+$'; }
has_engine_syms() { nm -a "$1" 2>/dev/null | grep -qE ' (wb|jit)_[A-Za-z0-9_]+$'; }
has_syms() { [ "$(nm -a "$1" 2>/dev/null | wc -l)" -gt 100 ]; }
CM_PARSE=' (cm_decode|cm_dec_|cm_validate|cm_v_|cm_plan_build|cm_pb_|cm_rd_|cm_reader)[A-Za-z0-9_]*$'
no_cm_parser() { ! nm -a "$1" 2>/dev/null | grep -qE "$CM_PARSE"; }
has_cm_parser() { nm -a "$1" 2>/dev/null | grep -qE "$CM_PARSE"; }
has_cm_exec() { nm -a "$1" 2>/dev/null | grep -qE ' cm_exec_new$'; }

check "wasmc-exec exists" test -x "$bin/wasmc-exec"
check "wasmc-exec has a symbol table to inspect" has_syms "$bin/wasmc-exec"
check "wasmc-exec links no libLLVM (ldd)" no_llvm "$bin/wasmc-exec"
check "wasmc-exec has no wb_/jit_ symbols (nm)" no_engine_syms "$bin/wasmc-exec"
check "wasmc-exec runs components (cm_exec_new)" has_cm_exec "$bin/wasmc-exec"
check "wasmc-exec has no component decoder/validator/planner symbols" no_cm_parser "$bin/wasmc-exec"
check "wasmc-compiler has them (the check sees them)" has_cm_parser "$bin/wasmc-compiler"
check "wasmc-compiler links libLLVM (the check sees it)" has_llvm "$bin/wasmc-compiler"
check "wasmc-compiler has wb_/jit_ symbols (the check sees them)" has_engine_syms "$bin/wasmc-compiler"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
