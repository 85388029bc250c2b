#!/usr/bin/env bash
# tests/systemd/run.sh - checks of systemd/: the unit renders, its exposure
# under `systemd-analyze security --offline=yes` is at most 2.5, and the
# sysusers.d / tmpfiles.d snippets parse. Prints `N passed, M failed`
# (`, K skipped` when systemd-analyze is absent: said, not hidden).
set -uo pipefail
cd "$(dirname "$0")/../.."

pass=0 fail=0 skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/wasmcd.service
sed -e 's|@BINDIR@|/usr/local/bin|g;s|@SYSCONFDIR@|/usr/local/etc|g' \
	-e 's|@LIBEXECDIR@|/usr/local/libexec/wasmc|g;s|@DOCDIR@|/usr/local/share/doc/wasmc|g' \
	systemd/wasmcd.service.in > "$unit"
if grep -q '@[A-Z]*@' "$unit"; then
	ko render "placeholders left: $(grep -o '@[A-Z]*@' "$unit" | sort -u | tr '\n' ' ')"
else
	ok render
fi

if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze security --offline=yes "$unit" 2>&1)
	level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$level" ]; then
		ko exposure "no exposure level in: $(printf '%s\n' "$out" | tail -3)"
	elif awk -v l="$level" 'BEGIN { exit !(l <= 2.5) }'; then
		ok "exposure $level <= 2.5"
	else
		ko exposure "level $level > 2.5"
	fi
	for k in Type=notify RuntimeDirectory=wasmcd CacheDirectory=wasmcd StateDirectory=wasmcd User=wasmc; do
		if grep -q "^$k\$" "$unit"; then ok "unit has $k"; else ko unit "missing $k"; fi
	done
else
	echo "SKIP exposure: systemd-analyze not installed"
	skip=$((skip + 1))
fi

# sysusers.d then tmpfiles.d into a scratch root: the user must exist for
# the directories to be created with their owner.
root=$tmp/root
mkdir -p "$root/etc"
if command -v systemd-sysusers >/dev/null 2>&1; then
	if msg=$(systemd-sysusers --root="$root" - < systemd/wasmc.sysusers 2>&1) &&
		grep -q '^wasmc:' "$root/etc/passwd"; then
		ok sysusers
	else
		ko sysusers "$msg"
	fi
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	if msg=$(systemd-tmpfiles --root="$root" --create - < systemd/wasmc.tmpfiles 2>&1) &&
		[ "$(stat -c %a "$root/run/wasmcd")" = 750 ] &&
		[ "$(stat -c %a "$root/var/lib/wasmcd")" = 700 ]; then
		ok tmpfiles
	else
		ko tmpfiles "$msg"
	fi
fi

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
