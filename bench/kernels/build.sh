#!/usr/bin/env bash
# Builds the kernels benchmark: every bench/kernels/NAME.c (except the
# support files) into
#   OUT/NAME.wasm    freestanding wasm32, no imports, exports `run` (and memory)
#   OUT/NAME.native  the same source with the same C flags, linked with the
#                    timing driver native_main.c
# Rebuilds only what is out of date. Usage: bench/kernels/build.sh [OUT]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-build/bench/kernels}"
mkdir -p "$out"

CLANG="${KERNEL_CC:-clang-14}"
# The flags both sides share. -ffreestanding implies -fno-builtin: neither
# side may replace a kernel's loops by libc calls it knows about; sqrt is
# the instruction on both (no errno).
KFLAGS=(-std=c11 -O2 -ffreestanding -fno-builtin -ffp-contract=off -fno-math-errno
	-Wall -Wextra -Werror)
WASMFLAGS=(--target=wasm32 -nostdlib -fuse-ld=lld
	-Wl,--no-entry -Wl,--export=run -Wl,--strip-debug)

if ! command -v wasm-ld-14 >/dev/null 2>&1 && ! command -v wasm-ld >/dev/null 2>&1; then
	echo "build.sh: wasm-ld (lld-14) is missing: run make deps" >&2
	exit 1
fi

support=(kernel.h wasm_libc.c native_main.c build.sh)
built=0
for src in "$here"/*.c; do
	name="$(basename "$src" .c)"
	case "$name" in native_main | wasm_libc) continue ;; esac
	wasm="$out/$name.wasm"
	native="$out/$name.native"
	newer() { # true when $1 is missing or older than the source or support
		[ -e "$1" ] || return 0
		[ "$src" -nt "$1" ] && return 0
		for s in "${support[@]}"; do [ "$here/$s" -nt "$1" ] && return 0; done
		return 1
	}
	if newer "$wasm"; then
		"$CLANG" "${KFLAGS[@]}" "${WASMFLAGS[@]}" "$src" "$here/wasm_libc.c" -o "$wasm.tmp"
		# A kernel must import nothing (no WASI, no libc left undefined).
		if command -v wasm-objdump >/dev/null 2>&1 &&
			wasm-objdump -h "$wasm.tmp" | grep -q ' Import '; then
			echo "build.sh: $name.wasm has imports:" >&2
			wasm-objdump -j Import -x "$wasm.tmp" >&2
			exit 1
		fi
		mv "$wasm.tmp" "$wasm"
		built=$((built + 1))
	fi
	if newer "$native"; then
		"$CLANG" "${KFLAGS[@]}" -c "$src" -o "$out/$name.o"
		"$CLANG" -std=c11 -O2 -Wall -Wextra -Werror "$here/native_main.c" "$out/$name.o" -o "$native.tmp"
		rm -f "$out/$name.o"
		mv "$native.tmp" "$native"
		built=$((built + 1))
	fi
done
echo "kernels: $built files built in $out"
