#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two controllers on one btvirt, one board: btserdev's hci0 on the PL011
# (from the board's DT) and upstream hci_uart on QEMU's FTDI adapter
# (btattach). l2ping and l2test between them carry ACL data both ways
# through btserdev. Then the adapter's controller becomes btserdev's too
# (ldattach through serdev-ldisc): two btserdev controllers ping each other.
# Each UART reaches btvirt through a relay of whole packets (e2e_btvirt_uarts).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-l2ping
peer=$(e2e_peer_dir "$name")
e2e_btvirt_uarts "$peer"
"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/bt-ttyusb0.dtso" "$peer/bt-ttyusb0.dtbo"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules "${E2E_BT_UARTS[@]}" \
	--file "$peer/bt-ttyusb0.dtbo:etc/suite/bt-ttyusb0.dtbo" \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--guest "$top/tests/e2e/$name.guest.sh"
# Both relays forwarded whole packets only: no byte fell outside a frame.
for uart in pl011 usb; do
	grep -q '"stray_bytes_from_host": 0' "$peer/$uart.json" ||
		die "$uart relay saw bytes outside H4 frames: $(cat "$peer/$uart.json")"
done
