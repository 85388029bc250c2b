#!/usr/bin/env bash
# Runs a libFuzzer target for SECONDS with a seed corpus made of the spec
# suite's module binaries (converted by the spec pipeline into build/spec/).
#   tests/fuzz/run.sh FUZZER SECONDS
set -euo pipefail
fuzzer=$1
seconds=$2
corpus=build/fuzz/corpus-$(basename "$fuzzer")
seeds=build/fuzz/seeds
name=$(basename "$fuzzer")
if [ "$name" = fuzz-request ] || [ "$name" = fuzz-direct ]; then
	# Protocol requests, not modules: the target writes valid requests
	# as seeds.
	seeds=build/fuzz/seeds-${name#fuzz-}
	mkdir -p "$seeds"
	WASMC_FUZZ_SEED_DIR=$seeds "$fuzzer" -runs=0 "$seeds" >/dev/null 2>&1 || true
fi
mkdir -p "$corpus" "$seeds"
if [ "$seeds" = build/fuzz/seeds ] && [ -d build/spec ]; then
	# Distinct binaries only, named by content.
	find build/spec -name '*.wasm' -size -64k -exec sha256sum {} + |
		while read -r sum f; do
			[ -e "$seeds/${sum:0:32}.wasm" ] || cp "$f" "$seeds/${sum:0:32}.wasm"
		done
fi
nseeds=$(find "$seeds" -type f | wc -l)
echo "fuzz: $(basename "$fuzzer") for ${seconds}s, $nseeds seed modules"
if [ "$nseeds" = 0 ]; then
	echo "fuzz: no seeds (run 'make spec' first to convert the suite)" >&2
	exit 1
fi
# The runtime (fuzz-compile) installs its own SIGSEGV/SIGBUS handler, which
# turns guard-page faults of compiled code into traps and passes any other
# fault on to the previous handler (libFuzzer's, then ASan's): ASan must let
# user code install it. The targets set the same in __asan_default_options.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1}
"$fuzzer" -artifact_prefix=build/fuzz/ -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
	-max_len=65536 -print_final_stats=1 "$corpus" "$seeds"
