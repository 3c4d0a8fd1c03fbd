#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# serdev-ldisc on a USB-serial port: QEMU's emulated FTDI adapter carries
# the project's bus simulator (an SDM120 meter). In the guest an overlay
# applied through configfs describes what is behind ttyUSB0, ldattach
# attaches the bridge, and the unmodified sdm120 driver reads the meter
# through it. Detach removes it; then, attached again, the adapter is
# unplugged (QMP device_del) while the meter is being read: the client is
# removed cleanly, with no tty refcount warning, leak or lockdep report.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=ldisc-usb-serial
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/sdm120-ttyusb0.dtso" "$peer/meter.dtbo"
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --baud 9600 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5

# Unplug the adapter when the guest asks for it.
log=$SUITE_CACHE/runs/$name/console.log
qmp=$SUITE_CACHE/runs/$name/qmp.sock
rm -f "$log"
(
	for _ in $(seq 1500); do
		grep -qs 'UNPLUG THE ADAPTER' "$log" && break
		sleep 0.1
	done
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"device_del","arguments":{"id":"ftdi"}}' |
		socat -t 3 - "UNIX-CONNECT:$qmp" >"$peer/qmp.out" 2>&1
) &
E2E_PIDS+=("$!")

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--qemu -chardev --qemu "socket,id=u0,path=$peer/bus.sock" \
	--qemu -device --qemu usb-serial,id=ftdi,chardev=u0,bus=xhci.0 \
	--file "$peer/meter.dtbo:etc/suite/meter.dtbo" \
	--guest "$top/tests/e2e/$name.guest.sh"
grep -q '"return"' "$peer/qmp.out" || die "QMP device_del failed: $(cat "$peer/qmp.out")"
