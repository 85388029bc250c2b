#!/usr/bin/env bash
# tests/tools/run.sh - wasmc-run as a command (README: "wasmc-run ... FILE
# --invoke NAME [ARG...]"), run by `make test` (target tools-test).
#
#   bash tests/tools/run.sh BUILD/bin/wasmc-run KERNELS_DIR [BUILD/bin/wasmc-compile]
#
# Builds nothing: make builds wasmc-run, wasmc-compile and the kernels
# (bench/kernels/build.sh) first. Checks
#   - every benchmark kernel KERNELS_DIR/NAME.wasm, with --tier fast and
#     --tier optimized and a small n, prints the checksum of the native
#     driver KERNELS_DIR/NAME.native for the same n (both compared as
#     unsigned 64-bit: the driver and wasmc-run print signed decimal); a
#     kernel without its native driver, or a missing wasmc-compile, is a
#     failure, never a skip;
#   - a trap: exit 1 and the spec's message on stderr (also in a start
#     function, and fuel running out with --fuel), and the function it came
#     from;
#   - a malformed file, a validation error, an unknown import: exit 2 and a
#     message naming the problem;
#   - bad arguments: exit 2 and a message;
#   - results printed like `wasmtime run --invoke`: integers signed decimal,
#     floats shortest round-trip without exponent, NaN, inf, -inf;
#   - an artifact from wasmc-compile runs like the module.
# The fixtures are the .wat files beside this script, encoded at test time
# by wat2wasm.mjs (jco's parse). One line per check, then `N passed, M failed`;
# exit 1 when a check failed.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
RUN="${1:?usage: run.sh WASMC_RUN KERNELS_DIR [WASMC_COMPILE]}"
KDIR="${2:?usage: run.sh WASMC_RUN KERNELS_DIR [WASMC_COMPILE]}"
COMPILE="${3:-$(dirname "$RUN")/wasmc-compile}"

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok    $1"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL  $1"
	shift
	for l in "$@"; do echo "      $l"; done
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$RUN" ]; then
	bad "wasmc-run is built" "$RUN missing"
	echo "$pass passed, $fail failed"
	exit 1
fi

# expect DESC STATUS STDOUT STDERR CMD...
#   STDOUT: the exact stdout, lines joined by spaces ('*': not checked);
#   STDERR: a substring stderr must contain ('': not checked).
expect() {
	local desc="$1" want_status="$2" want_out="$3" want_err="$4"
	shift 4
	local out err status
	out="$("$@" 2>"$tmp/stderr")"
	status=$?
	err="$(cat "$tmp/stderr")"
	out="$(printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//')"
	local why=()
	[ "$status" = "$want_status" ] || why+=("exit status $status, expected $want_status")
	[ "$want_out" = "*" ] || [ "$out" = "$want_out" ] ||
		why+=("stdout '$out', expected '$want_out'")
	[ -z "$want_err" ] || [[ "$err" == *"$want_err"* ]] ||
		why+=("stderr does not contain '$want_err'")
	if [ ${#why[@]} -eq 0 ]; then
		ok "$desc"
	else
		bad "$desc" "${why[@]}" "command: $*" "stderr: $(printf '%s' "$err" | head -c 400)"
	fi
}

# --- Fixtures ---------------------------------------------------------------
F="$tmp/fixtures"
if ! node "$here/wat2wasm.mjs" "$F" "$here"/*.wat 2>"$tmp/stderr"; then
	bad "fixtures encoded (node + jco)" "$(cat "$tmp/stderr")"
	echo "$pass passed, $fail failed"
	exit 1
fi

# --- Kernels: both tiers print the native checksum ---------------------------
# A small n keeps the whole run short; fannkuch's n is the permutation length.
small_n() {
	case "$1" in
	fannkuch) echo 7 ;;
	*) echo 2 ;;
	esac
}
u64() { printf '%u' "$1" 2>/dev/null; }

nk=0
for wasm in "$KDIR"/*.wasm; do
	[ -e "$wasm" ] || continue
	name="$(basename "$wasm" .wasm)"
	native="$KDIR/$name.native"
	if [ ! -x "$native" ]; then
		# Without the native build there is nothing to compare with.
		bad "kernel $name: native build $native" "missing (bench/kernels/build.sh)"
		continue
	fi
	nk=$((nk + 1))
	n="$(small_n "$name")"
	want="$("$native" "$n" --no-warmup 2>/dev/null | head -n 1)"
	if ! [[ "$want" =~ ^-?[0-9]+$ ]]; then
		bad "kernel $name: native checksum for n=$n" "got '$want'"
		continue
	fi
	for tier in fast optimized; do
		got="$("$RUN" --tier "$tier" "$wasm" --invoke run "$n" 2>"$tmp/stderr")"
		status=$?
		if [ "$status" != 0 ]; then
			bad "kernel $name, tier $tier, n=$n" "exit status $status" "$(tail -n 3 "$tmp/stderr")"
		elif ! [[ "$got" =~ ^-?[0-9]+$ ]]; then
			bad "kernel $name, tier $tier, n=$n" "stdout '$got' is not one integer"
		elif [ "$(u64 "$got")" != "$(u64 "$want")" ]; then
			bad "kernel $name, tier $tier, n=$n" "result $(u64 "$got"), native $(u64 "$want")"
		else
			ok "kernel $name, tier $tier, n=$n: $(u64 "$want")"
		fi
	done
done
[ "$nk" -gt 0 ] || bad "kernels built in $KDIR" "no NAME.wasm with NAME.native (bench/kernels/build.sh)"

# --time: the three timing lines on stderr, result still on stdout.
if [ "$nk" -gt 0 ]; then
	k="$(ls "$KDIR"/*.wasm | head -n 1)"
	"$RUN" --tier fast --time "$k" --invoke run 1 >"$tmp/out" 2>"$tmp/stderr"
	if [ $? = 0 ] && grep -Eq '^compile: [0-9.]+ s$' "$tmp/stderr" &&
		grep -Eq '^instantiate: [0-9.]+ s$' "$tmp/stderr" &&
		grep -Eq '^call: [0-9.]+ s$' "$tmp/stderr" && grep -Eq '^-?[0-9]+$' "$tmp/out"; then
		ok "--time prints compile/instantiate/call lines on stderr"
	else
		bad "--time prints compile/instantiate/call lines on stderr" "$(cat "$tmp/stderr")"
	fi
fi

# --- Traps: exit 1, the spec's message -----------------------------------------
for tier in fast optimized; do
	T="--tier $tier"
	expect "trap ($tier): integer divide by zero" 1 "" "integer divide by zero" \
		"$RUN" $T "$F/traps.wasm" --invoke div0
	expect "trap ($tier): unreachable" 1 "" "unreachable" \
		"$RUN" $T "$F/traps.wasm" --invoke unreachable
	expect "trap ($tier): out of bounds memory access" 1 "" "out of bounds memory access" \
		"$RUN" $T "$F/traps.wasm" --invoke oob
	expect "trap ($tier): --fuel 10000 on an endless loop: all fuel consumed" 1 "" \
		"all fuel consumed" "$RUN" $T --fuel 10000 "$F/traps.wasm" --invoke spin
	expect "--fuel ($tier): enough fuel finishes" 0 "100" "" \
		"$RUN" $T --fuel 1000000 "$F/traps.wasm" --invoke count 100
	expect "--fuel ($tier): too little fuel for the same call traps" 1 "" "all fuel consumed" \
		"$RUN" $T --fuel 50 "$F/traps.wasm" --invoke count 100
done
# The function a trap came from: the fast tier keeps each function's code
# apart (a split body follows its own entry); the optimized tier may
# inline $inner and $middle into the export, so only the line is checked.
expect "trap location (fast): the trapping function, two calls deep" 1 "" \
	"at wasm function 5 \$inner" "$RUN" --tier fast "$F/traps.wasm" --invoke nested
expect "trap location (optimized): a function is named" 1 "" "at wasm function" \
	"$RUN" --tier optimized "$F/traps.wasm" --invoke nested
expect "trap in the start function: exit 1, unreachable" 1 "" "unreachable" \
	"$RUN" "$F/start-trap.wasm" --invoke f

# --- --max-memory (memories and tables together) and --deadline ----------------
L="$F/limits.wasm"
expect "--max-memory: memory.grow within the budget succeeds" 0 "2" "" \
	"$RUN" --max-memory 196688 "$L" --invoke grow 1
expect "--max-memory: memory.grow past the budget returns -1" 0 "-1" "" \
	"$RUN" --max-memory 196687 "$L" --invoke grow 1
expect "--max-memory: table.grow counts 8 bytes an element (within)" 0 "10" "" \
	"$RUN" --max-memory 131160 "$L" --invoke tgrow 1
expect "--max-memory: table.grow past the budget returns -1" 0 "-1" "" \
	"$RUN" --max-memory 131160 "$L" --invoke tgrow 2
expect "--max-memory: a module bigger than the budget: exit 2" 2 "" \
	"store memory budget exceeded" "$RUN" --max-memory 131151 "$L" --invoke grow 0
for tier in fast optimized; do
	expect "--deadline ($tier): an endless loop traps deadline exceeded" 1 "" \
		"deadline exceeded" "$RUN" --tier $tier --deadline 0.3 "$L" --invoke spin
done
expect "--deadline: bad value: exit 2" 2 "" "bad deadline" "$RUN" --deadline -1 "$L" --invoke spin
# a 512 KB function of nested ifs compiles in about 2 s: a 0.2 s deadline ends
# the compilation with exit 2
node --input-type=module -e "import { shapeModule } from '$here/../../bench/shapes.mjs';
import { writeFileSync } from 'node:fs'; writeFileSync('$tmp/big.wasm', shapeModule('nested-ifs', 512));"
expect "--deadline: a compilation past it: exit 2, compile: deadline exceeded" 2 "" \
	"compile: deadline exceeded" "$RUN" --deadline 0.2 "$tmp/big.wasm" --invoke f 1

# --- Malformed and invalid files, link errors: exit 2 ---------------------------
printf 'not wasm' >"$tmp/notwasm.wasm"
: >"$tmp/empty.wasm"
printf '\0asm\2\0\0\0' >"$tmp/version.wasm"
expect "malformed: 'not wasm' -> magic header not detected" 2 "" "magic header not detected" \
	"$RUN" "$tmp/notwasm.wasm" --invoke f
expect "malformed: empty file -> unexpected end" 2 "" "unexpected end" \
	"$RUN" "$tmp/empty.wasm" --invoke f
expect "malformed: version 2 -> unknown binary version" 2 "" "unknown binary version" \
	"$RUN" "$tmp/version.wasm" --invoke f
expect "malformed: says malformed module" 2 "" "malformed module" \
	"$RUN" "$tmp/notwasm.wasm" --invoke f
expect "invalid: (func (result i32) (i64.const 0)) -> type mismatch" 2 "" "type mismatch" \
	"$RUN" "$F/invalid.wasm" --invoke f
expect "invalid: says invalid module" 2 "" "invalid module" \
	"$RUN" "$F/invalid.wasm" --invoke f
expect "unknown import: exit 2, names it" 2 "" "env::missing" \
	"$RUN" "$F/import.wasm" --invoke f
expect "missing file: exit 2, cannot open" 2 "" "cannot open" \
	"$RUN" "$tmp/no-such-file.wasm" --invoke f

# --- Bad arguments: exit 2 with a message ----------------------------------------
V="$F/values.wasm"
expect "bad args: no --invoke" 2 "" "no --invoke NAME given" "$RUN" "$V"
expect "bad args: --invoke without a name" 2 "" "--invoke needs a value" "$RUN" "$V" --invoke
expect "bad args: no file" 2 "" "no module file given" "$RUN" --invoke f
expect "bad args: unknown export" 2 "" "no exported function named nope" \
	"$RUN" "$V" --invoke nope
expect "bad args: too few arguments" 2 "" "add takes 2 argument(s), 1 given" \
	"$RUN" "$V" --invoke add 1
expect "bad args: too many arguments" 2 "" "add takes 2 argument(s), 3 given" \
	"$RUN" "$V" --invoke add 1 2 3
expect "bad args: argument not a number" 2 "" "bad argument abc" \
	"$RUN" "$V" --invoke add 1 abc
expect "bad args: i32 argument out of range" 2 "" "bad argument 4294967296" \
	"$RUN" "$V" --invoke add 4294967296 1
expect "bad args: two signs" 2 "" "bad argument +-5" "$RUN" "$V" --invoke id_i64 +-5
expect "bad args: float argument not a number" 2 "" "bad argument 1.5x" \
	"$RUN" "$V" --invoke id_f64 1.5x
expect "bad args: unknown tier" 2 "" "unknown tier slow" "$RUN" --tier slow "$V" --invoke none
expect "bad args: unknown option" 2 "" "unknown option --bogus" "$RUN" --bogus "$V" --invoke none
expect "bad args: bad fuel" 2 "" "bad fuel -3" "$RUN" --fuel -3 "$V" --invoke none
expect "bad args: two files" 2 "" "unexpected argument" "$RUN" "$V" "$V" --invoke none
expect "--help: usage on stdout, exit 0" 0 "*" "" "$RUN" --help

# --- Results and arguments ----------------------------------------------------
for tier in fast optimized; do
	r() { # r EXPORT EXPECTED [ARG...]
		local e="$1" want="$2"
		shift 2
		expect "print ($tier): $e${*:+ $*} -> $want" 0 "$want" "" \
			"$RUN" --tier "$tier" "$V" --invoke "$e" "$@"
	}
	r i32_neg -1
	r i32_min -2147483648
	r i64_min -9223372036854775808
	r i64_max 9223372036854775807
	r f32_tenth 0.1
	r f64_tenth 0.1
	r f64_third 0.3333333333333333
	r f64_negzero -0
	r f32_nan NaN
	r f64_nan NaN
	r f64_inf inf
	r f64_neginf -inf
	r f32_inf inf
	r multi "7 -8 2.5"
	r none ""
	r add 5 2 3
	r add -2 -1 -1
	r add 0 0xffffffff 1
	r add -2147483648 2147483647 1
	r id_i64 -9223372036854775808 -0x8000000000000000
	r id_i64 -1 18446744073709551615
	r id_f64 1.5 1.5
	r id_f64 0.1 0x1.999999999999ap-4
	r id_f64 -inf -inf
	r id_f64 NaN nan
	r id_f64 0.000001 1e-6
	r id_f32 16777216 16777217
	r id_f32 1.0000001 1.0000000596046447753906250000000001
done
# f64 1e300 is printed in full, without an exponent (as Rust's Display).
expect "print: f64 1e300 in positional notation" 0 "1$(printf '0%.0s' $(seq 300))" "" \
	"$RUN" "$V" --invoke f64_big

# --- Artifacts from wasmc-compile ------------------------------------------------
if [ -x "$COMPILE" ]; then
	for tier in fast optimized; do
		if "$COMPILE" "$F/values.wasm" -o "$tmp/values.$tier.cwasm" --tier "$tier" 2>"$tmp/stderr"; then
			expect "artifact ($tier): runs like the module" 0 "7 -8 2.5" "" \
				"$RUN" "$tmp/values.$tier.cwasm" --invoke multi
		else
			bad "artifact ($tier): wasmc-compile values.wasm" "$(cat "$tmp/stderr")"
		fi
		if "$COMPILE" "$F/traps.wasm" -o "$tmp/traps.$tier.cwasm" --tier "$tier" --fuel 2>"$tmp/stderr"; then
			expect "artifact ($tier, --fuel): trap message" 1 "" "integer divide by zero" \
				"$RUN" --fuel 1000 "$tmp/traps.$tier.cwasm" --invoke div0
			expect "artifact ($tier, --fuel): all fuel consumed" 1 "" "all fuel consumed" \
				"$RUN" --fuel 1000 "$tmp/traps.$tier.cwasm" --invoke spin
		else
			bad "artifact ($tier): wasmc-compile --fuel traps.wasm" "$(cat "$tmp/stderr")"
		fi
	done
else
	bad "artifacts: wasmc-compile is built" "$COMPILE missing"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
