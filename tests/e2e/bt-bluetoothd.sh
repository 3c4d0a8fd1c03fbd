#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BlueZ as users run it: dbus-daemon and bluetoothd in the guest, managing
# btserdev's hci0 on the PL011 and a second controller of the same btvirt
# (upstream hci_uart on QEMU's FTDI adapter). bluetoothctl powers both,
# makes one discoverable, scans from the other, pairs (NoInputNoOutput
# agent) and shows the bond on both sides; the bond survives power off and
# on, and an L2CAP link (l2ping) works while bluetoothd manages both.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-bluetoothd
peer=$(e2e_peer_dir "$name")
e2e_btvirt_uarts "$peer"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules "${E2E_BT_UARTS[@]}" \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--guest "$top/tests/e2e/$name.guest.sh"
# Both relays forwarded whole packets only: no byte fell outside a frame.
for uart in pl011 usb; do
	grep -q '"stray_bytes_from_host": 0' "$peer/$uart.json" ||
		die "$uart relay saw bytes outside H4 frames: $(cat "$peer/$uart.json")"
done
