#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The 32-bit ARM board: the same suite built for armhf (a 32-bit long) and
# booted on QEMU's virt machine with a Cortex-A15 (see scripts/lib.sh).
#
#   scripts/armhf.sh --prepare     build the armhf kernel (if needed), its
#                                  guest rootfs, and the modules for it in a
#                                  copy of the tree under the cache
#   scripts/armhf.sh CMD ARGS...   run CMD (a path in the tree) from that
#                                  copy with SUITE_ARCH=armhf
set -euo pipefail
export SUITE_ARCH=armhf
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

copy=$SUITE_CACHE/armhf/tree

if [ "${1:-}" = --prepare ]; then
	kdir=$("$SUITE_TOP/scripts/kernel.sh")
	"$SUITE_TOP/scripts/rootfs.sh" >/dev/null
	# The copy keeps its objects between runs (sources copied with their
	# times, so make rebuilds what changed) only after a build that was
	# clean: a warning is printed when a file compiles, never again.
	files=$(git -C "$SUITE_TOP" ls-files | sort | sha1sum)
	if [ ! -e "$copy.clean" ] || [ "$(cat "$copy.clean")" != "$files" ]; then
		rm -rf "$copy"
	fi
	rm -f "$copy.clean"
	mkdir -p "$copy"
	git -C "$SUITE_TOP" ls-files -z |
		(cd "$SUITE_TOP" && xargs -0 cp -p --parents -t "$copy")
	make -C "$copy" KDIR="$kdir" ARCH="$KARCH" CROSS_COMPILE="$KCROSS" W=1 \
		-j"$(nproc)" modules >"$copy.build.log" 2>&1 || {
		tail -n 30 "$copy.build.log" >&2
		die "the modules do not build for armhf"
	}
	cat "$copy.build.log"
	if grep -E '(warning|error):' "$copy.build.log"; then
		die "the armhf build (W=1) warns"
	fi
	echo "$files" >"$copy.clean"
	exit 0
fi

[ $# -gt 0 ] || die "usage: scripts/armhf.sh --prepare | CMD ARGS..."
[ -s "$copy/modules.order" ] || die "no armhf build: run scripts/armhf.sh --prepare"
cmd=$1
shift
exec "$copy/$cmd" "$@"
