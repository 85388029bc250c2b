#!/usr/bin/env bash
# tests/client/link-check.sh BIN_DIR LIB_DIR - "no JIT in your process" as a
# property of the build: libwasmc.so and libwasmc.a link no libLLVM and hold
# no symbol of runtime/ (rt_), jit/ (jit_) or wasm/ (wb_); wasmcd links no
# libLLVM and has no jit_/wb_ symbol and of runtime/ only the artifact
# header (rt_artifact_hdr). wasmc-compiler, for contrast, must show what the
# check looks for. Prints "N passed, M failed".
set -u
bin=${1:?usage: link-check.sh BIN_DIR LIB_DIR}
lib=${2:?usage: link-check.sh BIN_DIR LIB_DIR}
passed=0
failed=0
check() {
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
syms() { nm -a "$1" 2>/dev/null; }
no_syms() { ! syms "$1" | grep -qE " ($2)[A-Za-z0-9_]*\$"; }
has_syms() { syms "$1" | grep -qE " ($2)[A-Za-z0-9_]*\$"; }
# wasmcd: no rt_ symbol that runtime/rt_artifact_hdr.o does not define
hdr_obj=$bin/../obj/runtime/rt_artifact_hdr.o
no_rt_but_hdr() {
	[ -f "$hdr_obj" ] || return 1
	local allowed
	allowed=$(nm --defined-only "$hdr_obj" | awk '$3 ~ /^rt_/ {print $3}')
	! syms "$1" | awk '$NF ~ /^rt_/ && $2 != "a" {print $NF}' | grep -qvxF "$allowed"
}
exports_only_api() { ! nm -D --defined-only "$1" | awk '{print $3}' | grep -v '^wasmc_' | grep -q .; }

check "libwasmc.so exists" test -f "$lib/libwasmc.so"
check "libwasmc.so links no libLLVM (ldd)" no_llvm "$lib/libwasmc.so"
check "libwasmc.so has no rt_/jit_/wb_ symbols" no_syms "$lib/libwasmc.so" 'rt_|jit_|wb_'
check "libwasmc.a has no rt_/jit_/wb_ symbols" no_syms "$lib/libwasmc.a" 'rt_|jit_|wb_'
check "libwasmc.so exports only wasmc_* (nm -D)" exports_only_api "$lib/libwasmc.so"
check "wasmcd links no libLLVM (ldd)" no_llvm "$bin/wasmcd"
check "wasmcd has no jit_/wb_ symbols" no_syms "$bin/wasmcd" 'jit_|wb_'
check "wasmcd has of runtime/ only rt_artifact_hdr" no_rt_but_hdr "$bin/wasmcd"
check "wasmctl links no libLLVM (ldd)" no_llvm "$bin/wasmctl"
check "wasmc-compiler links libLLVM (the check sees it)" has_llvm "$bin/wasmc-compiler"
check "wasmc-compiler has jit_/wb_ symbols (the check sees them)" has_syms "$bin/wasmc-compiler" 'jit_|wb_'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
