#!/usr/bin/env bash
# tests/spec/run.sh - the core spec conformance pipeline.
#
#   bash tests/spec/run.sh RUNNER REPORT_JSON PATH... [-- EXTRA_RUNNER_ARGS...]
#
# PATHs are .wast files or folders (searched recursively for *.wast)
# anywhere on disk; a relative PATH that does not exist is looked up under
# ../shared/testsuite (relative to the repository root). A script of the
# test suite is converted into build/spec/<path relative to the test suite,
# without .wast>/ (e.g. build/spec/core/proposals/threads/atomic/atomic.json),
# any other into build/spec/ext/<its absolute path, without .wast>/, where
# the runner gives it every feature wasmc-run accepts by default (runner
# option --features LIST overrides, e.g. SPEC_ARGS='--features wasm3'):
#   1. Debian's wast2json (wabt 1.0.32) with the script's feature flags and
#      --no-check, so our validator is the only judge;
#   2. when wast2json fails, tests/spec/wast-split.mjs splits the script
#      itself (one node process for all such scripts);
#   3. the same node process encodes every text module with jco's parse
#      (the wasm-tools text parser), so the runner reads binaries only.
# A script is not converted again while its output is newer than the script
# and the converter scripts. Then RUNNER runs once over all JSON files
# (--report REPORT_JSON plus EXTRA_RUNNER_ARGS) and its status is ours.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 RUNNER REPORT_JSON PATH... [-- EXTRA_RUNNER_ARGS]" >&2
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
[ $# -gt 0 ] && shift # the --
EXTRA=("$@")

QUIET=0
VERBOSE=0
for a in "${EXTRA[@]+"${EXTRA[@]}"}"; do
	case $a in
	--quiet) QUIET=1 ;;
	--verbose) VERBOSE=1 ;;
	esac
done
say() { [ "$QUIET" = 1 ] || echo "$@"; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SUITE_REL=../shared/testsuite
if ! SUITE=$(cd "$ROOT/$SUITE_REL" 2>/dev/null && pwd -P); then
	echo "spec: test suite not found at $ROOT/$SUITE_REL" >&2
	exit 2
fi
OUT=$ROOT/build/spec
SPLITTER=$HERE/wast-split.mjs
# A new converter (or jco version) converts everything again.
CONVERTERS=("$SPLITTER" "$HERE/run.sh" "$ROOT/package-lock.json")

# wabt features per folder. Wasm 3.0 core minus threads everywhere; the
# threads proposal adds --enable-threads. wabt 1.0.32 knows none of the
# other open proposals, so those scripts end up in wast-split.
WABT_BASE=(--no-check --enable-exceptions --enable-function-references
	--enable-tail-call --enable-annotations --enable-code-metadata
	--enable-gc --enable-memory64 --enable-multi-memory
	--enable-extended-const --enable-relaxed-simd)
wabt_flags() {
	case $1 in
	core/proposals/threads/* | ext/*) echo "${WABT_BASE[*]} --enable-threads" ;;
	*) echo "${WABT_BASE[*]}" ;;
	esac
}

# A script's name under build/spec: relative to the suite, or ext/ and its
# absolute path.
rel_of() {
	case $1 in
	"$SUITE"/*) echo "${1#"$SUITE"/}" ;;
	*) echo "ext$1" ;;
	esac
}

# Expand the paths into a sorted list of scripts (relative to the suite).
FILES=()
for p in "${PATHS[@]}"; do
	# Relative to the current folder (make: the repository root), or else
	# to the test suite (WAST=core/address.wast).
	if [ ! -e "$p" ] && [ -e "$SUITE/$p" ]; then
		p=$SUITE/$p
	fi
	if [ ! -e "$p" ]; then
		echo "spec: no such file or folder: $p" >&2
		exit 2
	fi
	abs=$(realpath "$p")
	if [ -d "$abs" ]; then
		while IFS= read -r f; do
			FILES+=("$f")
		done < <(find "$abs" -type f -name '*.wast')
	else
		case $abs in
		*.wast) FILES+=("$abs") ;;
		*)
			echo "spec: not a .wast file: $p" >&2
			exit 2
			;;
		esac
	fi
done
if [ ${#FILES[@]} -eq 0 ]; then
	echo "spec: no .wast files in: ${PATHS[*]}" >&2
	exit 2
fi
mapfile -t FILES < <(printf '%s\n' "${FILES[@]}" | LC_ALL=C sort -u)

# jco comes from the pinned npm packages (package.json / package-lock.json).
if [ ! -d "$ROOT/node_modules/@bytecodealliance/jco" ]; then
	say "spec: node_modules missing; running npm ci"
	(cd "$ROOT" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		echo "spec: npm ci failed; text modules cannot be encoded" >&2
fi

mkdir -p "$OUT"
# One conversion at a time in this tree (several people may run make spec).
exec 9>"$OUT/.lock"
flock 9
JOBS=$(mktemp "$OUT/.jobs.XXXXXX")
trap 'rm -f "$JOBS"' EXIT
JSONS=()
UPTODATE=0
NW2J=0
NSPLIT=0
for wast in "${FILES[@]}"; do
	rel=$(rel_of "$wast")
	dir=$OUT/${rel%.wast}
	stem=$(basename "$rel" .wast)
	JSONS+=("$dir/$stem.json")
	stamp=$dir/.converted
	fresh=1
	if [ -f "$stamp" ] && [ -f "$dir/$stem.json" ]; then
		for dep in "$wast" "${CONVERTERS[@]}"; do
			[ "$stamp" -nt "$dep" ] || fresh=0
		done
	else
		fresh=0
	fi
	if [ "$fresh" = 1 ]; then
		UPTODATE=$((UPTODATE + 1))
		conv=$(cat "$stamp")
		if [ "$conv" = wast-split ]; then
			NSPLIT=$((NSPLIT + 1))
			say "spec: $rel: up to date (converted by wast-split), not converted again"
		else
			NW2J=$((NW2J + 1))
			[ "$VERBOSE" = 1 ] && say "spec: $rel: up to date (converted by $conv), not converted again"
		fi
		continue
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	# shellcheck disable=SC2046
	if (wast2json $(wabt_flags "$rel") "$wast" -o "$dir/$stem.json"; exit $?) >"$dir/.wast2json.log" 2>&1; then
		printf 'post\t%s\t%s\t%s\n' "$wast" "$dir" "$rel" >>"$JOBS"
		NW2J=$((NW2J + 1))
	else
		why=$(grep -m1 -E 'error|Assertion|Segmentation' "$dir/.wast2json.log" || true)
		[ -n "$why" ] || why="exit status not 0"
		say "spec: $rel: wast2json failed, falling back to wast-split (${why#"$wast":})"
		printf 'split\t%s\t%s\t%s\n' "$wast" "$dir" "$rel" >>"$JOBS"
		NSPLIT=$((NSPLIT + 1))
	fi
done
if [ "$UPTODATE" -gt 0 ] && [ "$VERBOSE" = 0 ]; then
	say "spec: $UPTODATE script(s) up to date, not converted again"
fi
if [ -s "$JOBS" ]; then
	node "$SPLITTER" "$JOBS" | { if [ "$QUIET" = 1 ]; then grep -v '^spec: converted' || true; else cat; fi; }
fi
say "spec: ${#FILES[@]} script(s): $NW2J converted by wast2json, $NSPLIT by wast-split"
flock -u 9

mkdir -p "$(dirname "$REPORT")"
set +e
"$RUNNER" --report "$REPORT" "${EXTRA[@]+"${EXTRA[@]}"}" "${JSONS[@]}"
status=$?
set -e
exit $status
