#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Realtek RTL8723BS on the PL011, three-wire UART (H5) at 115200 8E1:
# the project's Realtek emulator answers btrtl's identity commands, takes
# the speed command and the firmware download (the project's synthetic
# firmware and config, in btrtl's formats), then hands the link to BlueZ's
# btvirt. A second controller of the same btvirt, upstream hci_uart on
# QEMU's FTDI adapter, is the far end of l2ping and l2test. The emulator's
# record must show the image btrtl builds from the files (same length,
# SHA-256, 252-byte fragments) once per power-up, the speed word of the
# config file, and the link's configuration.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-rtl-fw
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
/usr/bin/python3 "$top/scripts/peers/mkrtl.py" --chip rtl8723bs --out "$peer/fw" \
	--speed 1500000 --flow --json "$peer/image.json" >/dev/null
e2e_python_peer "$peer/rtl.sock" "$peer/rtl-emu.log" rtl-emu.py \
	--listen "$peer/rtl.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json" --chip rtl8723bs --wire-baud-model
emu_pid=${E2E_PIDS[-1]}
e2e_python_peer "$peer/usb.sock" "$peer/usb.log" h4-fault.py \
	--listen "$peer/usb.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/usb.json"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-rtl-pl011.dtso" \
	--serial "unix:$peer/rtl.sock" \
	--qemu -chardev --qemu "socket,id=u0,path=$peer/usb.sock" \
	--qemu -device --qemu "usb-serial,id=ftdi,chardev=u0,bus=xhci.0" \
	--file "$peer/fw/rtl_bt/rtl8723bs_fw.bin:lib/firmware/rtl_bt/rtl8723bs_fw.bin" \
	--file "$peer/fw/rtl_bt/rtl8723bs_config.bin:lib/firmware/rtl_bt/rtl8723bs_config.bin" \
	--guest "$top/tests/e2e/$name.guest.sh"

for _ in $(seq 50); do
	kill -0 "$emu_pid" 2>/dev/null || break
	sleep 0.1
done
/usr/bin/python3 "$top/tests/e2e/rtl-record.py" "$peer/record.json" "$peer/image.json" \
	--downloads 2 --window 4 --crc off
