#!/usr/bin/env bash
# tests/install/run.sh - `make install` into a scratch DESTDIR, then the
# installed pieces used as a user would: every file in its place, the unit
# pointing at the installed paths, a program built against the installed
# headers and libwasmc.so through pkg-config, and the installed wasmcd
# (workers from the installed libexec) serving the installed wasmctl.
# Prints `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

tmp=$(mktemp -d /tmp/wasmc-install-XXXXXX)
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
D=$tmp/root
# SANITIZE=1 (make SANITIZE=1 test): the sanitizer build is installed, and
# the program built against it needs the same runtime.
san=${SANITIZE:-0}
sanflags=
[ "$san" = 1 ] && sanflags="-fsanitize=address,undefined"
if make -s install SANITIZE="$san" DESTDIR="$D" PREFIX=/usr > "$tmp/install.log" 2>&1; then
	ok "make install DESTDIR PREFIX=/usr"
else
	ko "make install" "$(tail -3 "$tmp/install.log")"
fi

for f in usr/bin/wasmcd usr/bin/wasmctl usr/libexec/wasmc/wasmc-exec usr/libexec/wasmc/wasmc-compiler \
	usr/lib/libwasmc.so.0 usr/lib/libwasmc.so usr/lib/libwasmc.a usr/lib/pkgconfig/wasmc.pc \
	usr/include/wasmc/wasmc.h usr/lib/systemd/system/wasmcd.service usr/lib/sysusers.d/wasmc.conf \
	usr/lib/tmpfiles.d/wasmc.conf etc/wasmc/wasmcd.conf usr/share/doc/wasmc/product.md; do
	if [ -e "$D/$f" ]; then ok "installed /$f"; else ko "installed /$f" "missing"; fi
done
unit=$D/usr/lib/systemd/system/wasmcd.service
if grep -q '^ExecStart=/usr/bin/wasmcd .*--libexec /usr/libexec/wasmc' "$unit" &&
	grep -q -- '--config /etc/wasmc/wasmcd.conf' "$unit" && ! grep -q '@[A-Z]*@' "$unit"; then
	ok "unit uses the installed paths"
else
	ko "unit paths" "$(grep ExecStart "$unit")"
fi

# A program against the installed library, found by pkg-config.
export PKG_CONFIG_PATH=$D/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
flags=$(pkg-config --cflags --libs wasmc 2>&1)
if cc $sanflags -o "$tmp/hello" examples/hello.c $flags 2> "$tmp/cc.log"; then
	ok "examples/hello.c builds with pkg-config wasmc"
else
	ko "build against the installed library" "$(head -3 "$tmp/cc.log")"
fi
# ldd's output is read whole first: with pipefail, `ldd | grep -q` fails
# whenever grep exits before ldd has written its last line (SIGPIPE).
links=$(LD_LIBRARY_PATH=$D/usr/lib ldd "$tmp/hello" 2>&1)
if grep -q "libwasmc.so.0 => $D/usr/lib" <<< "$links"; then
	ok "the program links the installed libwasmc.so.0"
else
	ko "dynamic link" "$(grep wasmc <<< "$links")"
fi

# The installed daemon with its installed workers serves the installed wasmctl.
node tests/tools/wat2wasm.mjs "$tmp" tests/integration/fixtures/basic.wat >/dev/null 2>&1
sock=$tmp/run/wasmcd.sock
"$D/usr/bin/wasmcd" --foreground --socket "$sock" --cache "$tmp/cache" --pool 1 \
	--libexec "$D/usr/libexec/wasmc" 2> "$tmp/wasmcd.log" &
dpid=$!
for _ in $(seq 200); do
	"$D/usr/bin/wasmctl" --socket "$sock" status >/dev/null 2>&1 && break
	sleep 0.05
done
out=$("$D/usr/bin/wasmctl" --socket "$sock" call "$tmp/basic.wasm" 'add(40, 2)' 2>&1)
if [ "$out" = 42 ]; then ok "installed wasmcd + wasmctl: add(40, 2) = 42"; else
	ko "installed daemon" "$out; $(tail -2 "$tmp/wasmcd.log")"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
