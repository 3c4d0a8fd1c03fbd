#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: ACL data through btserdev against upstream hci_uart (H4,
# attached with btattach), same QEMU boot, same btvirt, same UART.
# The controller under test sits behind QEMU's FTDI adapter (ttyUSB0) and
# is driven in turn by hci_uart and by btserdev (attached through
# serdev-ldisc: both drivers are line disciplines on that tty, so neither
# gets a shorter path). Its peer is btserdev's hci0 on the PL011. Each
# UART reaches btvirt through a relay of whole packets (e2e_btvirt_uarts;
# btvirt 5.66 mis-reads split ACL headers). btvirt grants one ACL buffer of
# 192 bytes, so every packet waits for its Number of Completed Packets:
# the figures are round-trip bound, as on a real controller with few
# buffers. Prints l2ping RTT (median of 100 back-to-back echoes) and l2test
# throughput both ways (median of ROUNDS alternating rounds) and the ratios btserdev / hci_uart (for RTT:
# hci_uart's time over btserdev's, so above 1.0 means btserdev is faster).
# Figures, not a pass/fail test.
# --h5: the same with the three-wire transport (H5) and the Realtek back
# end: the controller under test is the project's Realtek emulator (the
# project's synthetic firmware is downloaded at every attach, then it hands
# the link to btvirt), driven by upstream hci_h5 with btrtl and by
# btserdev, each from its own overlay node under serdev-ldisc on ttyUSB0.
# (Upstream's line-discipline H5, btattach -P 3wire, sends nothing on
# QEMU's FTDI adapter: no SYNC reaches the emulator.)
#   bt-acl.sh [--no-debug] [--h5] [ROUNDS] [FRAMES]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/bt-acl.sh "$@"
fi
proto=h4 name=bench-acl result=bt-acl
if [ "${1:-}" = --h5 ]; then
	shift
	proto=h5 name=bench-h5-acl result=bt-h5-acl
fi
rounds=${1:-5}
frames=${2:-300}

peer=$(e2e_peer_dir "$name")
e2e_btvirt_uarts "$peer"
dut=$top/tests/e2e/ldisc/bt-ttyusb0.dtso
extra=()
if [ $proto = h5 ]; then
	# The FTDI adapter's controller: the Realtek emulator, not a relay.
	dut=$top/tests/e2e/ldisc/bt-h5-ttyusb0.dtso
	"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/bt-h5-ttyusb0-upstream.dtso" "$peer/bt-ref.dtbo"
	/usr/bin/python3 "$top/scripts/peers/mkrtl.py" --chip rtl8723bs --out "$peer/fw" \
		--speed 1500000 --flow >/dev/null
	e2e_python_peer "$peer/h5.sock" "$peer/rtl-emu.log" rtl-emu.py \
		--listen "$peer/h5.sock" --upstream "$peer/bt-server-bredr" \
		--record "$peer/record.json"
	E2E_BT_UARTS=("${E2E_BT_UARTS[@]/path=$peer\/usb.sock/path=$peer/h5.sock}")
	extra=(--file "$peer/bt-ref.dtbo:etc/suite/bt-ref.dtbo")
	for f in fw config; do
		extra+=(--file "$peer/fw/rtl_bt/rtl8723bs_$f.bin:lib/firmware/rtl_bt/rtl8723bs_$f.bin")
	done
fi
"$top/scripts/dtc.sh" "$dut" "$peer/bt-ttyusb0.dtbo"
echo "$rounds" >"$peer/rounds"
echo "$frames" >"$peer/frames"
echo "$proto" >"$peer/proto"

"$top/scripts/qemu-run.sh" --name "$name" --timeout $((300 + rounds * 4 * frames)) \
	--modules "${E2E_BT_UARTS[@]}" --overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--file "$peer/bt-ttyusb0.dtbo:etc/suite/bt-ttyusb0.dtbo" \
	--file "$peer/rounds:etc/suite/rounds" --file "$peer/frames:etc/suite/frames" \
	--file "$peer/proto:etc/suite/proto" "${extra[@]}" \
	--guest "$top/scripts/bench/bt-acl.guest.sh" >/dev/null 2>&1 ||
	die "the benchmark boot failed (see $SUITE_CACHE/runs/$name/console.log)"

echo "transport: $proto"
tr -d '\r' <"$SUITE_CACHE/runs/$name/console.log" | sed -n 's/^BENCH-ACL: //p' |
	awk -v frames="$frames" -v rounds="$rounds" -v result="$result" '
function median(a, n,    i, j, t) {
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; rtt[$1, n[$1]] = $2; tx[$1, n[$1]] = $3; rx[$1, n[$1]] = $4 }
END {
	if (n["hci_uart"] != rounds || n["btserdev"] != rounds) {
		print "bt-acl: missing rounds in the console log" > "/dev/stderr"
		exit 1
	}
	kb = frames * 672 / 1000
	printf "%d rounds, l2ping -f 100 x 44 bytes (median), l2test %d x 672 bytes each way\n", rounds, frames
	printf "%-10s %22s %24s %24s\n", "median [min-max]", "RTT ms", "to peer kB/s", "from peer kB/s"
	for (d = 1; d <= 2; d++) {
		drv = d == 1 ? "hci_uart" : "btserdev"
		for (i = 1; i <= rounds; i++) { r[i] = rtt[drv, i]; t[i] = tx[drv, i]; x[i] = rx[drv, i] }
		R[drv] = median(r, rounds); T[drv] = kb / median(t, rounds); X[drv] = kb / median(x, rounds)
		# median() sorted the arrays: the spread is at their ends.
		printf "%-10s %8.2f [%.2f-%.2f] %10.2f [%.1f-%.1f] %10.2f [%.1f-%.1f]\n", drv,
			R[drv], r[1], r[rounds], T[drv], kb / t[rounds], kb / t[1],
			X[drv], kb / x[rounds], kb / x[1]
	}
	printf "%-10s %8.3f %26.3f %24.3f\n", "ratio", R["hci_uart"] / R["btserdev"],
		T["btserdev"] / T["hci_uart"], X["btserdev"] / X["hci_uart"]
	printf "BENCH-RESULT %s rtt_ratio=%.3f to_peer_ratio=%.3f from_peer_ratio=%.3f\n",
		result, R["hci_uart"] / R["btserdev"], T["btserdev"] / T["hci_uart"], X["btserdev"] / X["hci_uart"]
}'
