#!/usr/bin/env bash
# tests/integration/run.sh - wasmcd end to end (make integration-test).
#
#   bash tests/integration/run.sh BIN_DIR
#
# Encodes the fixtures (tests/integration/fixtures/*.wat, with the pinned
# jco) into build/it/fixtures, makes sure the second test user exists
# (user wasmc-it2 in group wasmc-it: the daemon's socket group in the
# other-uid test; created when running as root, as CI does), then runs the
# criterion suite (every test starts its own wasmcd on a temporary socket
# and cache) and the wasmctl command tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/bin}
export WASMC_BIN=$BIN
export WASMC_IT_FIXTURES=build/it/fixtures
# Components: built from tests/fixtures/components by make component-fixtures.
export WASMC_IT_COMPONENTS=${WASMC_IT_COMPONENTS:-build/fixtures/components}
# Sanitizer builds: criterion's own allocations are not ours to report.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

mkdir -p "$WASMC_IT_FIXTURES"
node tests/tools/wat2wasm.mjs "$WASMC_IT_FIXTURES" tests/integration/fixtures/*.wat

if [ "$(id -u)" = 0 ]; then
	getent group wasmc-it >/dev/null || groupadd --system wasmc-it
	getent passwd wasmc-it2 >/dev/null ||
		useradd --system --no-create-home --shell /usr/sbin/nologin -G wasmc-it wasmc-it2
fi

status=0
"$BIN/integration-tests" --jobs 2 || status=1
bash tests/integration/wasmctl.sh "$BIN" || status=1
exit $status
