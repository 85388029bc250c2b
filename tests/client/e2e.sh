#!/usr/bin/env bash
# tests/client/e2e.sh - wasmctl and the libwasmc examples against a real
# wasmcd on a private socket and cache.
#
#   bash tests/client/e2e.sh BIN_DIR
#
# BIN_DIR holds wasmcd, wasmctl, example-hello, example-nested (and
# wasmc-run, whose result printing wasmctl must match, when built).
# Fixtures are tests/client/fixtures/*.wat, encoded with
# tests/tools/wat2wasm.mjs (node + jco). Prints one line per check and a
# closing "N passed, M failed"; exits 1 when a check failed.
set -u
BIN=${1:?usage: e2e.sh BIN_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/wasmc-client-e2e.XXXXXX)
SOCK=$WORK/wasmcd.sock
DAEMON_PID=
passed=0
failed=0

cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; }

# check NAME RC EXPECTED_STDOUT CMD...: exit status and stdout (exact) of CMD.
check() {
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>"$WORK/stderr")
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		ok "$name"
	else
		bad "$name" "exit $rc (want $want_rc)" "stdout: $out" "want:   $want_out" \
			"stderr: $(head -c 300 "$WORK/stderr")"
	fi
}

# check_err NAME RC STDERR_SUBSTRING CMD...
check_err() {
	local name=$1 want_rc=$2 want_err=$3
	shift 3
	"$@" >"$WORK/stdout" 2>"$WORK/stderr"
	local rc=$?
	if [ "$rc" = "$want_rc" ] && { [ -z "$want_err" ] || grep -qF -- "$want_err" "$WORK/stderr"; }; then
		ok "$name"
	else
		bad "$name" "exit $rc (want $want_rc)" "stderr: $(head -c 300 "$WORK/stderr")" \
			"want in stderr: $want_err"
	fi
}

for b in wasmcd wasmctl example-hello example-nested; do
	if [ ! -x "$BIN/$b" ]; then
		echo "e2e: $BIN/$b is not built"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
if ! node "$ROOT/tests/tools/wat2wasm.mjs" "$WORK" "$HERE"/fixtures/*.wat; then
	echo "e2e: cannot encode the fixtures (node and jco: make deps)"
	echo "0 passed, 1 failed"
	exit 1
fi

CTL=("$BIN/wasmctl" --socket "$SOCK")
check_err "unreachable daemon: exit 3" 3 "wasmcd is not running at $SOCK" "${CTL[@]}" status

"$BIN/wasmcd" --socket "$SOCK" --cache "$WORK/cache" --no-namespaces --foreground \
	--log-level warning 2>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	sleep 0.05
done

C=$WORK/calc.wasm
check "status" 0 "" bash -c "\"$BIN/wasmctl\" --socket \"$SOCK\" status | grep -q '^daemon version:' "
check_err "compile" 0 "" "${CTL[@]}" compile "$C"
out=$("${CTL[@]}" --json compile "$C")
case $out in *'"cached": true'*) ok "compile again: cached" ;; *) bad "compile again: cached" "$out" ;; esac

check "call add" 0 "3" "${CTL[@]}" call "$C" 'add(1, 2)'
check "call add wraps" 0 "-2" "${CTL[@]}" call "$C" 'add(0x7fffffff, 0x7fffffff)'
check "call add64" 0 "-9223372036854775808" "${CTL[@]}" call "$C" 'add64(9223372036854775807, 1)'
check "call fdiv" 0 "0.3333333333333333" "${CTL[@]}" call "$C" 'fdiv(1, 3)'
check "call fdiv inf" 0 "-inf" "${CTL[@]}" call "$C" 'fdiv(-1, 0)'
check "call f32 -0" 0 "-0" "${CTL[@]}" call "$C" 'f32id(-0)'
check "call f32 nan" 0 "NaN" "${CTL[@]}" call "$C" 'f32id(nan)'
check "call v128 lanes" 0 "0x00000004000000030000000200000001" "${CTL[@]}" call "$C" 'vid(i32x4(1, 2, 3, 4))'
check "call multi-value" 0 "$(printf '7\n-1\n0.5')" "${CTL[@]}" call "$C" 'multi(7)'
check "call by digest" 0 "5" "${CTL[@]}" call "$(sha256sum "$C" | cut -d' ' -f1)" 'add(2, 3)'

if [ -x "$BIN/wasmc-run" ]; then
	for inv in "fdiv 1 3" "fdiv 2 3" "fdiv 1e300 1e-10" "f32id 0.1" "f32id 16777217" "multi -5" "add64 -1 -1" "vid i32x4:1,2,3,4"; do
		set -- $inv
		name=$1
		shift
		want=$("$BIN/wasmc-run" "$C" --invoke "$name" "$@" 2>/dev/null)
		args=$(IFS=,; echo "$*")
		case $name in vid) args="i32x4($(echo "${1#i32x4:}"))" ;; esac
		check "same output as wasmc-run: $inv" 0 "$want" "${CTL[@]}" call "$C" "$name($args)"
	done
fi

check_err "trap: exit 1 and the message" 1 "unreachable" "${CTL[@]}" call "$C" 'boom()'
check_err "divide by zero" 1 "integer divide by zero" "${CTL[@]}" call "$C" 'div(1, 0)'
check_err "fuel" 1 "fuel" "${CTL[@]}" call --fuel 1000 "$C" 'loop()'
check_err "deadline" 1 "deadline" "${CTL[@]}" call --deadline-ms 200 "$C" 'loop()'
check_err "bad argument: exit 2" 2 'add: argument 1: expected an i32, got "x"' "${CTL[@]}" call "$C" 'add(x, 1)'
check_err "argument count" 2 "add takes 2 arguments, 1 given" "${CTL[@]}" call "$C" 'add(1)'
check_err "syntax" 2 "expected ')'" "${CTL[@]}" call "$C" 'add(1, 2'
check_err "no such export: exit 5" 5 "has no export named 'nope'" "${CTL[@]}" call "$C" 'nope()'
check_err "not a function" 2 "is a memory, not a function" "${CTL[@]}" call "$C" 'memory()'
printf 'garbage' >"$WORK/bad.wasm"
check_err "invalid module: exit 2" 2 "magic" "${CTL[@]}" call "$WORK/bad.wasm" 'f()'
check_err "missing file: exit 2" 2 "cannot open" "${CTL[@]}" compile "$WORK/none.wasm"
check_err "missing import: exit 2" 2 "instantiate" "${CTL[@]}" call "$WORK/imports.wasm" 'add(1, 2)'
check_err "unknown digest: exit 5" 5 "no module with digest" "${CTL[@]}" inspect 0000000000000000000000000000000000000000000000000000000000000000
check_err "usage: exit 2" 2 "unknown command" "${CTL[@]}" frobnicate

out=$("${CTL[@]}" inspect "$WORK/imports.wasm")
case $out in *"import env::log: func(i32);"*"export rec: func(i32) -> i32;"*) ok "inspect" ;; *) bad "inspect" "$out" ;; esac
out=$("${CTL[@]}" --json inspect "$WORK/imports.wasm" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["imports"][1]["name"], d["exports"][0]["kind"])' 2>&1)
check "inspect --json" 0 "reenter memory" echo "$out"

# ps and kill while a call runs.
"${CTL[@]}" call "$C" 'loop()' >/dev/null 2>"$WORK/loop.err" &
LOOP=$!
id=
for _ in $(seq 100); do
	id=$("${CTL[@]}" --json ps | python3 -c 'import json,sys; p=json.load(sys.stdin)["processes"]; print(p[0]["id"] if p and p[0]["state"]=="running" else "")' 2>/dev/null)
	[ -n "$id" ] && break
	sleep 0.05
done
if [ -n "$id" ]; then ok "ps shows the running instance"; else bad "ps shows the running instance"; fi
check "kill by prefix" 0 "killed $id" "${CTL[@]}" kill "${id:0:8}"
wait "$LOOP"
rc=$?
if [ "$rc" = 4 ]; then ok "killed call: exit 4"; else bad "killed call: exit 4" "exit $rc" "$(cat "$WORK/loop.err")"; fi
check_err "kill unknown: exit 5" 5 "" "${CTL[@]}" kill 00000000000000000000000000000000

d=$(sha256sum "$C" | cut -d' ' -f1)
check "cache pin" 0 "pinned $d" "${CTL[@]}" cache pin "${d:0:10}"
out=$("${CTL[@]}" --json cache ls | python3 -c "import json,sys; print(all(e['pins']>0 for e in json.load(sys.stdin)['entries'] if e['digest']=='$d'))")
check "cache ls shows the pin" 0 "True" echo "$out"
check "cache unpin" 0 "unpinned $d" "${CTL[@]}" cache unpin "$d"
check_err "cache verify" 0 "" "${CTL[@]}" cache verify
check_err "cache gc" 0 "" "${CTL[@]}" cache gc --budget 1K
check_err "cache gc bad budget" 2 "bad --budget" "${CTL[@]}" cache gc --budget lots
check_err "cache rm unknown: exit 5" 5 "" "${CTL[@]}" cache rm ffffffff

check "example-hello" 0 "$(printf 'connected to wasmcd %s' "$("${CTL[@]}" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')")" \
	bash -c "WASMC_SOCKET=\"$SOCK\" \"$BIN/example-hello\" \"$WORK/log.wasm\" main 40 2 | head -1"
out=$(WASMC_SOCKET="$SOCK" "$BIN/example-hello" "$WORK/log.wasm" main 40 2 | tail -3)
check "example-hello callback and result" 0 "$(printf '%s: guest says 40\n%s: guest says 2\nresult 1: i32 42' "$BIN/example-hello" "$BIN/example-hello")" echo "$out"
check_err "example-hello trap" 1 "integer divide by zero" env WASMC_SOCKET="$SOCK" "$BIN/example-hello" "$WORK/log.wasm" div 1 0
check "example-nested: guest -> client -> guest, 20 levels" 0 "rec(20) = 20, 20 nested levels" \
	env WASMC_SOCKET="$SOCK" "$BIN/example-nested" "$WORK/imports.wasm" 20

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
