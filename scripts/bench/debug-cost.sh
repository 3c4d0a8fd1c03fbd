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

rounds=${1:-5}

# boot NAME: ROUNDS boots of the board scenario; prints "WALL INIT", the
# medians of the run's wall-clock seconds and of the guest's printk time
# at /init, and the spread of each ("WMIN WMAX IMIN IMAX").
boot() {
	local s i run walls=() inits=() w
	for _ in $(seq "$rounds"); do
		"$SUITE_TOP/scripts/qemu-run.sh" --name "bench-$1" --timeout 300 \
			--guest "$SUITE_TOP/tests/e2e/board.guest.sh" >/dev/null 2>&1 ||
			die "board scenario failed on the $1 kernel"
		run=$SUITE_CACHE/runs/bench-$1
		s=$(cat "$run/seconds")
		i=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' "$run/console.log")
		[ -n "$i" ] || die "no /init time on the $1 kernel's console"
		walls+=("$s") inits+=("$i")
	done
	read -r -a w < <(median_spread "${walls[@]}")
	read -r -a i < <(median_spread "${inits[@]}")
	echo "${w[0]} ${i[0]} ${w[1]} ${w[2]} ${i[1]} ${i[2]}"
}

debug_dir=$("$SUITE_TOP/scripts/kernel.sh")
debug_build=$(cat "$debug_dir/.build-seconds")
debug_boot=$(boot debug)

plain_dir=$(KERNEL_FRAGMENT=$nodebug "$SUITE_TOP/scripts/kernel.sh")
plain_build=$(cat "$plain_dir/.build-seconds")
plain_boot=$(KERNEL_FRAGMENT=$nodebug boot plain)

printf '%-34s %20s %20s %7s\n' "" "debug" "no-debug" "ratio"
awk -v d="$debug_build" -v p="$plain_build" 'BEGIN{printf "%-34s %19ds %19ds %7.2f\n", "cold kernel build (one each)", d, p, d / p}'
read -r dw di dwl dwh dil dih <<<"$debug_boot"
read -r pw pi pwl pwh pil pih <<<"$plain_boot"
printf '%-34s %7.2fs [%.2f-%.2f] %7.2fs [%.2f-%.2f] %7.2f\n' "kernel start to /init (median of $rounds)" \
	"$di" "$dil" "$dih" "$pi" "$pil" "$pih" "$(awk -v d="$di" -v p="$pi" 'BEGIN{print d / p}')"
printf '%-34s %7.1fs [%.1f-%.1f] %7.1fs [%.1f-%.1f] %7.2f\n' "board run, wall (median of $rounds)" \
	"$dw" "$dwl" "$dwh" "$pw" "$pwl" "$pwh" "$(awk -v d="$dw" -v p="$pw" 'BEGIN{print d / p}')"
echo "(the debug run's wall time includes the guest's 6 s wait before its kmemleak scan)"
echo "BENCH-RESULT debug-cost init_ratio=$(awk -v d="$di" -v p="$pi" 'BEGIN{printf "%.2f", d / p}') build_ratio=$(awk -v d="$debug_build" -v p="$plain_build" 'BEGIN{printf "%.2f", d / p}')"
