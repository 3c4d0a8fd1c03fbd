#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two controllers on one btvirt, one board: btserdev's hci0 on the PL011
# (from the board's DT) and upstream hci_uart on QEMU's FTDI adapter
# (btattach). l2ping and l2test between them carry ACL data both ways
# through btserdev. Then the adapter's controller becomes btserdev's too
# (ldattach through serdev-ldisc): two btserdev controllers ping each other. btvirt 5.66 mis-reads an ACL header split across reads, so each
# UART reaches it through h4-fault.py with no fault: a relay that forwards
# whole H4 packets and changes nothing.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-l2ping
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
for uart in pl011 usb; do
	e2e_python_peer "$peer/$uart.sock" "$peer/$uart.log" h4-fault.py \
		--listen "$peer/$uart.sock" --upstream "$peer/bt-server-bredr" \
		--record "$peer/$uart.json"
done

"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/bt-ttyusb0.dtso" "$peer/bt-ttyusb0.dtbo"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--file "$peer/bt-ttyusb0.dtbo:etc/suite/bt-ttyusb0.dtbo" \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/pl011.sock" \
	--qemu -chardev --qemu "socket,id=u0,path=$peer/usb.sock" \
	--qemu -device --qemu usb-serial,id=ftdi,chardev=u0,bus=xhci.0 \
	--guest "$top/tests/e2e/$name.guest.sh"
# Both relays forwarded whole packets only: no byte fell outside a frame.
for uart in pl011 usb; do
	grep -q '"stray_bytes_from_host": 0' "$peer/$uart.json" ||
		die "$uart relay saw bytes outside H4 frames: $(cat "$peer/$uart.json")"
done
