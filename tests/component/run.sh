#!/usr/bin/env bash
# tests/component/run.sh - the component conformance pipeline.
#
#   bash tests/component/run.sh RUNNER REPORT_JSON PATH... [-- RUNNER_ARGS...]
#
# PATHs are .wast files or folders (searched for *.wast) anywhere on disk;
# a relative PATH that does not exist is looked up under ../shared/testsuite
# and then ../shared/testsuite/component-model. convert.mjs (one node
# process) splits each script and encodes its components with the pinned
# jco into build/component-spec/; then RUNNER judges them all and writes
# REPORT_JSON. Exit status is the runner's.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 RUNNER REPORT_JSON PATH... [-- RUNNER_ARGS]" >&2
	exit 2
fi
RUNNER=$1
REPORT=$2
shift 2
PATHS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	PATHS+=("$1")
	shift
done
[ $# -gt 0 ] && shift
EXTRA=("$@")

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if ! SUITE=$(cd "$ROOT/../shared/testsuite" 2>/dev/null && pwd -P); then
	SUITE=$ROOT/../shared/testsuite
fi
OUT=$ROOT/build/component-spec

FILES=()
for p in "${PATHS[@]}"; do
	if [ ! -e "$p" ] && [ -e "$SUITE/$p" ]; then
		p=$SUITE/$p
	elif [ ! -e "$p" ] && [ -e "$SUITE/component-model/$p" ]; then
		p=$SUITE/component-model/$p
	fi
	if [ ! -e "$p" ]; then
		echo "component-spec: no such file or folder: $p" >&2
		exit 2
	fi
	abs=$(realpath "$p")
	if [ -d "$abs" ]; then
		while IFS= read -r f; do FILES+=("$f"); done < <(find "$abs" -type f -name '*.wast')
	else
		case $abs in
		*.wast) FILES+=("$abs") ;;
		*) echo "component-spec: not a .wast file: $p" >&2; exit 2 ;;
		esac
	fi
done
if [ ${#FILES[@]} -eq 0 ]; then
	echo "component-spec: no .wast files in: ${PATHS[*]}" >&2
	exit 2
fi
mapfile -t FILES < <(printf '%s\n' "${FILES[@]}" | LC_ALL=C sort -u)

if [ ! -d "$ROOT/node_modules/@bytecodealliance/jco" ]; then
	echo "component-spec: node_modules missing; running npm ci"
	(cd "$ROOT" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		echo "component-spec: npm ci failed; text components cannot be encoded" >&2
fi

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
node "$HERE/convert.mjs" "$OUT" "$SUITE" "${FILES[@]}"
flock -u 9

JSONS=()
for f in "${FILES[@]}"; do
	case $f in
	"$SUITE"/*) rel=${f#"$SUITE"/} ;;
	*) rel=ext$f ;;
	esac
	dir=$OUT/${rel%.wast}
	JSONS+=("$dir/$(basename "$f" .wast).json")
done
mkdir -p "$(dirname "$REPORT")"
set +e
"$RUNNER" --report "$REPORT" "${EXTRA[@]+"${EXTRA[@]}"}" "${JSONS[@]}"
status=$?
set -e
exit $status
