#!/usr/bin/env bash
# tests/sandbox/run.sh BIN_DIR - the sandbox tests (make sandbox-test):
#   1. encodes the .wat fixtures of this folder (tests/tools/wat2wasm.mjs,
#      the pinned jco) into a temporary folder;
#   2. sandbox-driver: both workers over worker.proto (compile, load,
#      calls, host calls, limits, channel abuse, process state);
#   3. sandbox-attack: forbidden syscalls from inside the exec sandbox;
#   4. link-check.sh: wasmc-exec links no compiler.
# Each part prints "N passed, M failed"; the last line sums them.
set -u
bin=${1:?usage: run.sh BIN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total_p=0
total_f=0
tally() { # output of a part on stdin; adds its closing line
	local line
	line=$(tail -n 1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		total_p=$((total_p + BASH_REMATCH[1]))
		total_f=$((total_f + BASH_REMATCH[2]))
	else
		total_f=$((total_f + 1))
		echo "(a part ended without its summary line)"
	fi
}
if ! node "$here/../tools/wat2wasm.mjs" "$tmp" "$here"/*.wat; then
	echo "0 passed, 1 failed (cannot encode the fixtures)"
	exit 1
fi
echo "== sandbox-driver"
"$bin/sandbox-driver" "$bin" "$tmp" 2>&1 | tee "$tmp/driver.out"
tally < "$tmp/driver.out"
echo "== sandbox-attack"
"$bin/sandbox-attack" > "$tmp/attack.out" 2>&1
grep -v '^ok ' "$tmp/attack.out"
tally < "$tmp/attack.out"
echo "== link-check"
bash "$here/link-check.sh" "$bin" 2>&1 | tee "$tmp/link.out"
tally < "$tmp/link.out"
echo "sandbox: $total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
