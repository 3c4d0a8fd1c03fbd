#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the QEMU board and show what the suite does today.
# INTERACTIVE=1 leaves a shell on the guest console after the show.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"

"$top/scripts/deps.sh"
"$top/scripts/kernel.sh" >/dev/null
make -C "$top" --no-print-directory modules >/dev/null

peer=$SUITE_CACHE/peers/demo
rm -rf "$peer"
# btvirt behind the PL011 and behind QEMU's FTDI adapter (ttyUSB0).
. "$top/scripts/e2e-lib.sh"
e2e_btvirt_uarts "$peer"

args=(--name demo --modules "${E2E_BT_UARTS[@]}"
      --overlay "$top/dts/overlays/bt-h4-pl011.dtso"
      --guest "$top/scripts/demo.guest.sh" --timeout 300)
[ "${INTERACTIVE:-0}" = 1 ] && args+=(--interactive)
note "booting the board: btserdev on the PL011, BlueZ's btvirt behind it (and behind an FTDI adapter)"
status=0
"$top/scripts/qemu-run.sh" "${args[@]}" || status=$?
show() {
	tr -d '\r' <"$SUITE_CACHE/runs/$1/console.log" | sed -n '/^=== /,$p' |
		grep -av '^\[ *[0-9]*\.[0-9]*\] ' || true
}
[ "${INTERACTIVE:-0}" = 1 ] || show demo
[ "${INTERACTIVE:-0}" = 1 ] && exit $status

# Second boot: an RS485 bus of four Modbus devices on the same PL011.
bus=$SUITE_CACHE/peers/demo-rs485
rm -rf "$bus"
mkdir -p "$bus"
e2e_python_peer "$bus/bus.sock" "$bus/bus.log" rs485-bus.py \
	--listen "$bus/bus.sock" --baud 19200 --wire-model \
	--slave scd30@0x61:co2=612.5,temp=23.25,rh=45.5 \
	--slave xymd02@1:temp=21.5,rh=40.2 --slave xymd02@2:temp=-3.5,rh=88.0 \
	--slave xymd02@3:temp=30.1,rh=12.3 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5
note "booting the board: an RS485 bus (serdev-mux) on the PL011, the host simulates four slaves"
"$top/scripts/qemu-run.sh" --name demo-rs485 --modules --serial "unix:$bus/bus.sock" \
	--overlay "$top/dts/overlays/rs485-bus-pl011.dtso" \
	--guest "$top/scripts/demo-rs485.guest.sh" --timeout 300 || status=$?
show demo-rs485

# Third boot: adapters plugged into the board's xHCI while it runs.
usb=$SUITE_CACHE/peers/demo-usb
rm -rf "$usb"
mkdir -p "$usb"
e2e_python_peer "$usb/bus.sock" "$usb/bus.log" rs485-bus.py --listen "$usb/bus.sock" \
	--baud 9600 --slave xymd02@1:temp=21.5,rh=40.2 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5
e2e_qmp_relay demo-usb "$usb" \
	"chardevs=$(qmp_unix_chardev bus "$usb/bus.sock") ;; $(qmp_unix_chardev bt "$peer/bt-server-bredr")" \
	"plug-bus=$(qmp_usb_serial ftdi1 bus 1)" "unplug-bus=$(qmp_unplug ftdi1)" \
	"plug-bt=$(qmp_usb_serial ftdi2 bt 2)" "unplug-bt=$(qmp_unplug ftdi2)"
files=()
for o in usb-rs485-sensors usb-bt-h4; do
	"$top/scripts/dtc.sh" "$top/dts/overlays/$o.dtso" "$usb/$o.dtbo"
	files+=(--file "$usb/$o.dtbo:etc/suite/$o.dtbo")
done
note "booting the board: USB-serial adapters plugged in and out while it runs"
"$top/scripts/qemu-run.sh" --name demo-usb --modules "${E2E_QMP_ARGS[@]}" "${files[@]}" \
	--guest "$top/scripts/demo-usb.guest.sh" --timeout 300 || status=$?
show demo-usb

# Fourth boot: a Realtek module on the PL011, three-wire UART (H5), its
# firmware (the project's synthetic files, in btrtl's format) downloaded
# through the project's Realtek emulator, which then hands over to btvirt.
rtl=$SUITE_CACHE/peers/demo-rtl
rm -rf "$rtl"
mkdir -p "$rtl"
/usr/bin/python3 "$top/scripts/peers/mkrtl.py" --chip rtl8723bs --out "$rtl/fw" \
	--speed 1500000 --flow >/dev/null
e2e_python_peer "$rtl/rtl.sock" "$rtl/rtl-emu.log" rtl-emu.py --listen "$rtl/rtl.sock" \
	--upstream "$peer/bt-server-bredr" --record "$rtl/record.json"
note "booting the board: a Realtek Bluetooth module (H5) on the PL011"
"$top/scripts/qemu-run.sh" --name demo-rtl --modules --serial "unix:$rtl/rtl.sock" \
	--overlay "$top/dts/overlays/bt-rtl-pl011.dtso" \
	--file "$rtl/fw/rtl_bt/rtl8723bs_fw.bin:lib/firmware/rtl_bt/rtl8723bs_fw.bin" \
	--file "$rtl/fw/rtl_bt/rtl8723bs_config.bin:lib/firmware/rtl_bt/rtl8723bs_config.bin" \
	--guest "$top/scripts/demo-rtl.guest.sh" --timeout 300 || status=$?
show demo-rtl
exit $status
