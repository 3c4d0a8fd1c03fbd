#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Hot-plugged USB-serial adapters, attached from inside the kernel: QEMU's
# emulated FTDI adapter is plugged and unplugged through QMP (chardev-add,
# device_add, device_del) at the guest's request. Behind it: the RS485 bus
# simulator (an XY-MD02 and an SDM120 on serdev-mux ports; the sensors
# appear on plug and go on unplug, also mid-read and mid-probe) or BlueZ's
# btvirt (hci0 appears and goes); mbpoll polls slave 10 through modbus-tty
# and is left with a hung-up tty. Overlays applied in the guest name the
# adapter by its USB position or by its serial number.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=usb-hotplug
cycles=${USB_HOTPLUG_CYCLES:-3}
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --baud 9600 \
	--slave xymd02@1:temp=21.5,rh=40.2 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5 \
	--slave xymd02@10:temp=19.5,rh=55.0
e2e_qmp_relay "$name" "$peer" \
	"chardevs=$(qmp_unix_chardev bus "$peer/bus.sock") ;; $(qmp_unix_chardev bt "$peer/bt-server-bredr")" \
	"plug-bus=$(qmp_usb_serial ftdi1 bus 1)" \
	"unplug-bus=$(qmp_unplug ftdi1)" \
	"plug-bus-id=$(qmp_usb_serial ftdi3 bus 3 SUITE0001)" \
	"plug-bus-other=$(qmp_usb_serial ftdi3 bus 3 OTHER0002)" \
	"unplug-bus-id=$(qmp_unplug ftdi3)" \
	"plug-bt=$(qmp_usb_serial ftdi2 bt 2)" \
	"unplug-bt=$(qmp_unplug ftdi2)" \
	'info={"execute":"human-monitor-command","arguments":{"command-line":"info usb"}} ;; {"execute":"query-chardev"}'


files=()
for o in dts/overlays/usb-rs485-sensors dts/overlays/usb-bt-h4 \
	dts/overlays/usb-meter-by-serial tests/e2e/ldisc/usb-meter-any-ftdi; do
	"$top/scripts/dtc.sh" "$top/$o.dtso" "$peer/${o##*/}.dtbo"
	files+=(--file "$peer/${o##*/}.dtbo:etc/suite/${o##*/}.dtbo")
done
echo "$cycles" >"$peer/cycles"

"$top/scripts/qemu-run.sh" --name "$name" --timeout $((300 + 5 * cycles)) --modules \
	"${E2E_QMP_ARGS[@]}" "${files[@]}" --file "$peer/cycles:etc/suite/cycles" \
	--guest "$top/tests/e2e/$name.guest.sh"
