#!/usr/bin/env bash
# Installs what wasmc's build, tests, fuzzing and benchmarks need on Debian 12,
# skipping what is already there. Safe to run repeatedly (make deps, .ci/run).
set -euo pipefail

cd "$(dirname "$0")/.."

# Debian packages: compiler and build, libraries, test tools.
PKGS=(
	build-essential pkg-config git ca-certificates
	libjansson-dev          # JSON for the spec runner and reports
	libcriterion-dev        # unit tests
	libssl-dev              # libcrypto: artifact digests and MACs
	wabt                    # wast2json (spec scripts); wasm-interp (fuzz-diff reference)
	binaryen                # wasm-opt -ttf: random modules for make fuzz-diff
	clang-14 libclang-rt-14-dev  # libFuzzer + sanitizers for make fuzz
	llvm-19-dev             # code generation (jit/), LLVM C API
	lld-14 libclang-rt-14-dev-wasm32 wasi-libc  # wasm32 test fixtures, kernels
	nodejs npm              # jco (WAT encoder for newer scripts), V8 peer
	time                    # GNU time: CPU and peak RSS of the compile benchmark
	libnng-dev              # IPC between libwasmc, wasmcd and its workers
	libprotobuf-c-dev protobuf-c-compiler  # the wasmc.v1 protocol
	libseccomp-dev          # worker syscall filters
	procps psmisc           # ps/pgrep for the integration tests' leak counts
)

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO="sudo"
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		# node and npm may come from elsewhere (e.g. nodesource): accept
		# the commands when the packages are absent.
		case "$p" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages pinned by package-lock.json (jco, componentize-js).
stamp=node_modules/.wasmc-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
	echo "install-deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
	cp package-lock.json "$stamp"
fi
