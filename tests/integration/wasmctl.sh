#!/usr/bin/env bash
# tests/integration/wasmctl.sh - wasmctl as a command against a real wasmcd
# (started here on a temporary socket and cache). Results of `call` are
# compared with what build/bin/wasmc-run prints for the same export in
# process, so the two tools agree. Prints `N passed, M failed`.
#
#   bash tests/integration/wasmctl.sh BIN_DIR   (fixtures: build/it/fixtures)
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/bin}
FIX=${WASMC_IT_FIXTURES:-build/it/fixtures}
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

tmp=$(mktemp -d /tmp/wasmctl-it-XXXXXX)
sock=$tmp/run/wasmcd.sock
"$BIN/wasmcd" --foreground --socket "$sock" --cache "$tmp/cache" --pool 1 \
	2> "$tmp/wasmcd.log" &
dpid=$!
cleanup() {
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export WASMC_SOCKET=$sock
for _ in $(seq 200); do
	"$BIN/wasmctl" status >/dev/null 2>&1 && break
	sleep 0.05
done
ctl() { "$BIN/wasmctl" "$@"; }

# expect NAME STATUS COMMAND... : the exit status is STATUS.
expect_status() {
	local name=$1 want=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		ko "$name" "status $got, want $want: $(head -c 300 "$tmp/err")"; fi
}

expect_status "help lists exit codes" 0 ctl --help
grep -q "Exit status" "$tmp/out" || ko "help text" "no exit status list"
expect_status "status" 0 ctl status
expect_status "status --json" 0 ctl --json status
node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' < "$tmp/out" &&
	ok "status --json parses" || ko "status --json" "not JSON: $(head -c 200 "$tmp/out")"
expect_status "compile" 0 ctl compile "$FIX/basic.wasm"

# call agrees with wasmc-run, export by export.
agree() {
	local call=$1 name=$2
	shift 2
	local a b
	a=$(ctl call "$FIX/basic.wasm" "$call" 2>&1)
	local sa=$?
	b=$("$BIN/wasmc-run" "$FIX/basic.wasm" --invoke "$name" "$@" 2>&1)
	local sb=$?
	if [ "$a" = "$b" ] && [ "$sa" = "$sb" ]; then ok "call $call = wasmc-run"; else
		ko "call $call" "wasmctl [$sa] '$a' vs wasmc-run [$sb] '$b'"; fi
}
agree 'add(1, 2)' add 1 2
agree 'add(-7, 0x10)' add -7 16
agree 'types(-1, 2.5, 0.1)' types -1 2.5 0.1
agree 'types(9223372036854775807, nan, -inf)' types 9223372036854775807 nan -inf
agree 'sum(100000)' sum 100000
agree 'empty()' empty

expect_status "a trap exits 1" 1 ctl call "$FIX/basic.wasm" 'trap()'
grep -q unreachable "$tmp/err" && ok "trap message" || ko "trap message" "$(cat "$tmp/err")"
expect_status "a deadline exits 1" 1 ctl call --deadline-ms 200 "$FIX/basic.wasm" 'spin()'
grep -q "deadline exceeded" "$tmp/err" && ok "deadline message" || ko "deadline message" "$(cat "$tmp/err")"
expect_status "fuel exits 1" 1 ctl call --fuel 1000 "$FIX/basic.wasm" 'spin()'
grep -q "all fuel consumed" "$tmp/err" && ok "fuel message" || ko "fuel message" "$(cat "$tmp/err")"
expect_status "call --json" 0 ctl --json call "$FIX/basic.wasm" 'add(2, 3)'
node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!JSON.stringify(j).includes("5")) process.exit(1)' \
	< "$tmp/out" && ok "call --json result" || ko "call --json" "$(cat "$tmp/out")"
expect_status "bad syntax exits 2" 2 ctl call "$FIX/basic.wasm" 'add(1,'
expect_status "wrong argument count exits 2" 2 ctl call "$FIX/basic.wasm" 'add(1)'
expect_status "unknown export exits 5" 5 ctl call "$FIX/basic.wasm" 'nope()'
printf 'not wasm' > "$tmp/bad.wasm"
expect_status "invalid module exits 2" 2 ctl compile "$tmp/bad.wasm"
grep -qi "magic" "$tmp/err" && ok "invalid module message" || ko "invalid module message" "$(cat "$tmp/err")"
expect_status "missing file exits 2" 2 ctl compile "$tmp/none.wasm"
expect_status "unreachable daemon exits 3" 3 ctl --socket "$tmp/nowhere.sock" status

expect_status "inspect" 0 ctl inspect "$FIX/basic.wasm"
grep -q "add" "$tmp/out" && ok "inspect lists add" || ko "inspect" "$(cat "$tmp/out")"
expect_status "inspect imports" 0 ctl inspect "$FIX/imports.wasm"
grep -q "host" "$tmp/out" && ok "inspect lists imports" || ko "inspect imports" "$(cat "$tmp/out")"

expect_status "cache ls" 0 ctl --json cache ls
digest=$(sha256sum "$FIX/basic.wasm" | cut -c1-64)
grep -q "$digest" "$tmp/out" && ok "cache ls has the module" || ko "cache ls" "$(head -c 300 "$tmp/out")"
expect_status "cache pin" 0 ctl cache pin "$digest"
expect_status "cache verify" 0 ctl cache verify
expect_status "cache gc" 0 ctl cache gc --budget 1
expect_status "pinned entry survives gc" 0 ctl --json cache ls
grep -q "$digest" "$tmp/out" && ok "pin kept it" || ko "pin" "gone after gc"
expect_status "cache unpin" 0 ctl cache unpin "$digest"
expect_status "cache rm" 0 ctl cache rm "$digest"
expect_status "cache rm again exits 5" 5 ctl cache rm "$digest"

# Components (make component-fixtures): WIT from inspect, WAVE in and out.
COMP=${WASMC_IT_COMPONENTS:-build/fixtures/components}
expect_status "inspect a component" 0 ctl inspect "$COMP/greet-c.wasm"
grep -q "import name: func() -> string;" "$tmp/out" && grep -q "export greet: func() -> string;" "$tmp/out" &&
	ok "inspect prints the component's WIT" || ko "inspect component" "$(cat "$tmp/out")"
# The WIT agrees with jco's (tests/fixtures/components/*/expected.wit, what
# `jco wit` prints), blanks aside.
same_wit() {
	local fixture=$1 dir=$2
	ctl inspect "$COMP/$fixture.wasm" > "$tmp/wit" 2> "$tmp/err"
	if diff <(grep -v '^//' "$tmp/wit" | tr -s ' \n' ' ') \
		<(grep -v '^//' "tests/fixtures/components/$dir/expected.wit" | tr -s ' \n' ' ') >/dev/null; then
		ok "inspect $fixture = jco wit"
	else ko "inspect $fixture" "differs from jco wit: $(head -c 300 "$tmp/wit")"; fi
}
same_wit values-c values
same_wit greet-c greet
expect_status "call a component" 0 ctl call "$COMP/values-c.wasm" 'upper-ascii("Zoë 🦀 abc")'
[ "$(cat "$tmp/out")" = '(13, "ZOë 🦀 ABC")' ] && ok "component call result in WAVE" ||
	ko "component call" "$(cat "$tmp/out")"
expect_status "component record" 0 ctl call "$COMP/values-c.wasm" 'echo-record({a: 1, b: 18446744073709551615, c: "x", d: nan})'
[ "$(cat "$tmp/out")" = '{a: 1, b: 18446744073709551615, c: "x", d: nan}' ] && ok "component record in WAVE" ||
	ko "component record" "$(cat "$tmp/out")"
expect_status "component call --json" 0 ctl --json call "$COMP/values-c.wasm" 'echo-list-string(["a", ""])'
node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' < "$tmp/out" &&
	ok "component call --json parses" || ko "component --json" "$(head -c 200 "$tmp/out")"
expect_status "a component with an import the worker lacks exits 2" 2 ctl call "$COMP/greet-c.wasm" 'greet()'
grep -q "name" "$tmp/err" && ok "missing import named" || ko "missing import" "$(cat "$tmp/err")"
expect_status "a component trap exits 1" 1 ctl call "$COMP/trap.wasm" 'boom()'
grep -q "unreachable" "$tmp/err" && ok "component trap message" || ko "component trap" "$(cat "$tmp/err")"

expect_status "ps" 0 ctl ps
expect_status "kill unknown exits 5" 5 ctl kill 0123456789abcdef0123456789abcdef

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
