#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: what the debug options (lockdep, KASAN, kmemleak, UBSAN, debug
# objects) cost. Builds a second kernel from the same fragment without its
# debug section (cold, its own cache directory) and boots the board scenario
# on both. Prints build seconds and boot-to-verdict seconds for each, and the
# ratios. Figures, not a pass/fail test.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

nodebug=$(nodebug_fragment)

# boot NAME: best of 3 boots of the board scenario; prints "WALL INIT":
# the run's wall-clock seconds and the guest's printk time at /init.
boot() {
	local best="" s i run
	for _ in 1 2 3; do
		"$SUITE_TOP/scripts/qemu-run.sh" --name "bench-$1" --timeout 300 \
			--guest "$SUITE_TOP/tests/e2e/board.guest.sh" >/dev/null 2>&1 ||
			die "board scenario failed on the $1 kernel"
		run=$SUITE_CACHE/runs/bench-$1
		s=$(cat "$run/seconds")
		i=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' "$run/console.log")
		if [ -z "$best" ] || awk -v a="$s" -v b="${best% *}" 'BEGIN{exit !(a < b)}'; then
			best="$s $i"
		fi
	done
	echo "$best"
}

debug_dir=$("$SUITE_TOP/scripts/kernel.sh")
debug_build=$(cat "$debug_dir/.build-seconds")
debug_boot=$(boot debug)

plain_dir=$(KERNEL_FRAGMENT=$nodebug "$SUITE_TOP/scripts/kernel.sh")
plain_build=$(cat "$plain_dir/.build-seconds")
plain_boot=$(KERNEL_FRAGMENT=$nodebug boot plain)

printf '%-28s %10s %10s %8s\n' "" "debug" "no-debug" "ratio"
awk -v d="$debug_build" -v p="$plain_build" 'BEGIN{printf "%-28s %9ds %9ds %8.2f\n", "cold kernel build", d, p, d / p}'
read -r dw di <<<"$debug_boot"
read -r pw pi <<<"$plain_boot"
awk -v d="$di" -v p="$pi" 'BEGIN{printf "%-28s %9.2fs %9.2fs %8.2f\n", "kernel start to /init", d, p, d / p}'
awk -v d="$dw" -v p="$pw" 'BEGIN{printf "%-28s %9.1fs %9.1fs %8.2f\n", "board run, wall (best of 3)", d, p, d / p}'
echo "(the debug run's wall time includes the guest's 6 s wait before its kmemleak scan)"
