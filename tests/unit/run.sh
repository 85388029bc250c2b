#!/usr/bin/env bash
# tests/unit/run.sh - runs every unit-test binary, even after one fails, and
# prints one closing line over all of them: `N passed, M failed, K skipped`.
#
#   bash tests/unit/run.sh BINARY...
#
# Each binary is a criterion suite; its own output is shown as it runs. A
# binary's numbers come from criterion's closing "Synthesis" line (failing
# and crashing tests count as failed); a binary that prints no such line
# (it died, or is not a criterion binary) counts as one failure. Exit
# status 1 when anything failed.
set -uo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 BINARY..." >&2
	exit 2
fi

passed=0
failed=0
skipped=0
broken=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "== $t"
	"$t" --jobs 1 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	syn="$(grep -a 'Synthesis:' "$log" | tail -n 1)"
	if [ -z "$syn" ]; then
		failed=$((failed + 1))
		broken+=("$t (exit status $status, no criterion summary)")
		continue
	fi
	field() { sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$syn"; }
	tested=$(field Tested)
	passing=$(field Passing)
	failing=$(field Failing)
	crashing=$(field Crashing)
	skip=$(field Skipped)
	passed=$((passed + ${passing:-0}))
	failed=$((failed + ${failing:-0} + ${crashing:-0}))
	skipped=$((skipped + ${skip:-0}))
	# Criterion's own exit status also fails a binary whose numbers look
	# clean (e.g. a crash in a fixture).
	if [ "$status" != 0 ] && [ "${failing:-0}" = 0 ] && [ "${crashing:-0}" = 0 ]; then
		failed=$((failed + 1))
		broken+=("$t (exit status $status with $tested tests passing)")
	fi
done
for b in "${broken[@]+"${broken[@]}"}"; do
	echo "FAIL $b"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
