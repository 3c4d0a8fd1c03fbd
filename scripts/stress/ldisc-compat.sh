#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Reliability figures for ldisc-compat: USB-serial plug/unplug cycles under
# traffic (tests/e2e/usb-hotplug), overlay apply/remove cycles with a client
# bound and ldattach attach/detach cycles (tests/e2e/ldisc-pty), on the
# test kernel with kmemleak and lockdep on.
#
#   scripts/stress/ldisc-compat.sh [CYCLES]   run both with CYCLES (100)
#   scripts/stress/ldisc-compat.sh --report   figures of the last runs
#                                             (make test's short form)
#
# For each: the cycles that ended clean (clients back to zero), the leaks
# kmemleak reported, and the warnings and oopses on the console. A run's
# cycles count only when its scenario passed as a whole (every check, the
# console scan) and its final kmemleak scan completed; otherwise its line
# says 0 clean. Exits non-zero unless every cycle was clean and every
# count is 0. make test runs the same scenarios with 3 cycles each.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

declare -A verdict=()
if [ "${1:-}" != --report ]; then
	cycles=${1:-100}
	if USB_HOTPLUG_CYCLES=$cycles "$SUITE_TOP/tests/e2e/usb-hotplug.sh"; then
		verdict[usb-hotplug]=pass
	else
		verdict[usb-hotplug]=fail
	fi
	if LDISC_CYCLES=$cycles "$SUITE_TOP/tests/e2e/ldisc-pty.sh"; then
		verdict[ldisc-pty]=pass
	else
		verdict[ldisc-pty]=fail
	fi
fi

bad=0
# figure RUN LABEL: one line of the table from the console of run RUN.
figure() {
	local log=$SUITE_CACHE/runs/$1/console.log line ok total leaks warns oops
	[ -f "$log" ] || die "no console log of $1: run tests/e2e/$1.sh first"
	line=$(grep -a "^$2: [0-9]* of [0-9]* clean" "$log" | tail -n 1 || true)
	# --report reads the last runs: their verdict is on their console.
	[ -n "${verdict[$1]:-}" ] || verdict[$1]=$(grep -aqx 'SUITE-VERDICT: pass' "$log" && echo pass || echo fail)
	if [ "${verdict[$1]}" != pass ] || ! grep -aqx 'SUITE-KMEMLEAK: scan done' "$log"; then
		echo "$1: the scenario failed or its kmemleak scan did not complete: no cycle counts" >&2
		line=""
	fi
	ok=0 total="?"
	if [ -n "$line" ]; then
		ok=$(echo "$line" | awk '{print $(NF-3)}')
		total=$(echo "$line" | awk '{print $(NF-1)}')
	fi
	leaks=$(grep -ac 'unreferenced object' "$log" || true)
	warns=$(grep -acE '(WARNING:|BUG:|possible circular locking|inconsistent lock state|ODEBUG:|tty->count)' "$log" || true)
	oops=$(grep -acE '(Oops|Unable to handle kernel|Kernel panic)' "$log" || true)
	printf '%-34s %5s of %-5s %6s %9s %7s\n' "$2" "${ok:-0}" "${total:-?}" "$leaks" "$warns" "$oops"
	if [ -z "$line" ] || [ "$ok" != "$total" ] || [ "$leaks" != 0 ] ||
		[ "$warns" != 0 ] || [ "$oops" != 0 ]; then
		bad=1
	fi
}

printf '%-34s %14s %6s %9s %7s\n' "ldisc-compat reliability" "clean cycles" leaks warnings oopses
figure usb-hotplug "plug/unplug cycles under traffic"
figure ldisc-pty "overlay apply/remove cycles"
figure ldisc-pty "ldattach attach/detach cycles"
exit $bad
