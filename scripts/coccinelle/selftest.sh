#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check ldisc-to-serdev.cocci against upstream line disciplines of the
# kernel tree: serport (the suite's worked migration) and mctp-serial must
# come out with serdev callbacks, no tty write left, and a serdev ops
# table; a serdev driver that is no line discipline must come out as is.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v spatch >/dev/null || die "spatch missing: install coccinelle (scripts/deps.sh)"
ksrc=$(kernel_src)
cocci=$SUITE_TOP/scripts/coccinelle/ldisc-to-serdev.cocci
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

convert() {
	local src=$ksrc/$1 dst
	dst=$out/$(basename "$1")
	[ -f "$src" ] || die "$src missing from the kernel tree"
	spatch --very-quiet --sp-file "$cocci" "$src" -o "$dst" >/dev/null 2>"$dst.err" ||
		die "spatch failed on $1: $(head -n 3 "$dst.err")"
	if grep -qi 'warning\|error' "$dst.err"; then
		echo "spatch on $1: $(head -n 3 "$dst.err")"
		fail=1
	fi
	echo "$dst"
}

# expect FILE WHAT PATTERN: FILE must match the extended regex PATTERN.
expect() {
	if grep -qE -e "$3" "$1"; then
		echo "ok: $(basename "$1"): $2"
	else
		echo "FAIL: $(basename "$1"): $2"
		fail=1
	fi
}

# absent FILE WHAT PATTERN: FILE must not match PATTERN.
absent() {
	if grep -qE -e "$3" "$1"; then
		echo "FAIL: $(basename "$1"): $2: $(grep -nE -e "$3" "$1" | head -n 2)"
		fail=1
	else
		echo "ok: $(basename "$1"): $2"
	fi
}

for f in drivers/input/serio/serport.c drivers/net/mctp/mctp-serial.c; do
	c=$(convert "$f")
	expect "$c" "receive_buf takes a serdev device and returns a size" \
		'^static size_t [a-z_]+\(struct serdev_device \*serdev,'
	expect "$c" "open becomes probe(serdev)" '^static int [a-z_]+\(struct serdev_device \*serdev\)$'
	expect "$c" "close becomes remove(serdev)" '^static void [a-z_]+_close\(struct serdev_device \*serdev\)$'
	expect "$c" "the driver data hangs off the serdev device" 'serdev_device_set_drvdata\(serdev, '
	expect "$c" "writes go through serdev" 'serdev_device_write_buf\([a-z_]+->serdev, '
	expect "$c" "a serdev ops table" '^static const struct serdev_device_ops [a-z_]+_serdev_ops = \{'
	absent "$c" "no tty write left" '->ops->write\('
	absent "$c" "no receive_room left" 'receive_room'
done

# A driver that is no line discipline is left alone.
c=$(convert drivers/tty/serdev/serdev-ttyport.c)
if cmp -s "$c" "$ksrc/drivers/tty/serdev/serdev-ttyport.c"; then
	echo "ok: serdev-ttyport.c: not a line discipline, unchanged"
else
	echo "FAIL: serdev-ttyport.c was changed"
	fail=1
fi
exit $fail
