#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: from modprobe of btserdev to hci0 registered, and to the end
# of the controller's first setup and init, for the generic H4 controller
# (btvirt) and for the Broadcom one with a firmware download (the emulator,
# 24 KiB at 3 Mbaud, handing over to btvirt). Guest clock, /proc/uptime
# (10 ms steps); the median of ROUNDS boots (5) with the spread (min-max).
# Figures, not a pass/fail test.
#   bt-probe-time.sh [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

peer=$(e2e_peer_dir bench-probe)
emu=""
cleanup() {
	[ -z "$emu" ] || kill "$emu" 2>/dev/null || true
	"$top/scripts/peers/btvirt.sh" stop "$peer"
}
trap cleanup EXIT
echo "00:AA:01:00:00:42" >"$peer/bdaddr"
/usr/bin/python3 "$top/scripts/peers/mkhcd.py" -o "$peer/BCM43430A1.hcd" \
	--size 24576 --seed 3 >/dev/null

# run KIND: one boot; prints "registered_s ready_s".
run() {
	local sock overlay
	"$top/scripts/peers/btvirt.sh" stop "$peer"
	"$top/scripts/peers/btvirt.sh" start "$peer" >/dev/null
	sock=$peer/bt-server-bredr
	overlay=$top/dts/overlays/bt-h4-pl011.dtso
	if [ "$1" = bcm ]; then
		PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$top/scripts/peers/bcm-emu.py" \
			--listen "$peer/bcm.sock" --upstream "$sock" >/dev/null 2>&1 &
		emu=$!
		for _ in $(seq 50); do [ -S "$peer/bcm.sock" ] && break; sleep 0.1; done
		sock=$peer/bcm.sock
		overlay=$top/dts/overlays/bt-bcm-pl011.dtso
	fi
	"$top/scripts/qemu-run.sh" --name bench-probe --timeout 300 --modules \
		--overlay "$overlay" --serial "unix:$sock" \
		--file "$peer/bdaddr:etc/suite/bdaddr" \
		--file "$peer/BCM43430A1.hcd:lib/firmware/brcm/BCM43430A1.hcd" \
		--guest "$top/scripts/bench/bt-probe.guest.sh" >/dev/null 2>&1 ||
		die "$1 run failed (see $SUITE_CACHE/runs/bench-probe/console.log)"
	[ -z "$emu" ] || { kill "$emu" 2>/dev/null || true; emu=""; }
	tr -d '\r' <"$SUITE_CACHE/runs/bench-probe/console.log" |
		sed -n 's/^BENCH-PROBE: //p' | awk '{printf "%.2f %.2f\n", $2 - $1, $3 - $1}'
}

rounds=${1:-5}
printf '%-40s %22s %22s\n' "median of $rounds [min-max]" "registered" "ready"
for kind in h4 bcm; do
	reg=() ready=()
	for _ in $(seq "$rounds"); do
		r=$(run "$kind")
		[ -n "$r" ] || die "$kind run printed no timing"
		reg+=("${r% *}") ready+=("${r#* }")
	done
	label="generic H4 (btvirt)"
	[ "$kind" = bcm ] && label="Broadcom, 24 KiB firmware at 3 Mbaud"
	read -r rm rl rh < <(median_spread "${reg[@]}")
	read -r dm dl dh < <(median_spread "${ready[@]}")
	printf '%-40s %7.2fs [%.2f-%.2f] %7.2fs [%.2f-%.2f]\n' "$label" "$rm" "$rl" "$rh" "$dm" "$dl" "$dh"
	echo "BENCH-RESULT bt-probe-time kind=$kind registered_s=$rm ready_s=$dm"
done
