#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The reference for the Realtek emulator and the synthetic files: upstream
# hci_h5 (Realtek part, from a realtek,rtl8723bs-bt node) with upstream
# btrtl brings the same emulated RTL8723BS up through the same emulator,
# downloads the same files, and reaches btvirt: l2ping to a second
# controller (upstream hci_uart on QEMU's FTDI adapter). Code nobody here
# wrote must accept what the emulator does, and the record must show the
# image mkrtl.py says btrtl builds.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-h5-upstream
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
/usr/bin/python3 "$top/scripts/peers/mkrtl.py" --chip rtl8723bs --out "$peer/fw" \
	--speed 1500000 --flow --json "$peer/image.json" >/dev/null
e2e_python_peer "$peer/rtl.sock" "$peer/rtl-emu.log" rtl-emu.py \
	--listen "$peer/rtl.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json" --chip rtl8723bs
emu_pid=${E2E_PIDS[-1]}
e2e_python_peer "$peer/usb.sock" "$peer/usb.log" h4-fault.py \
	--listen "$peer/usb.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/usb.json"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/tests/e2e/dtbo/upstream-rtl8723bs.dtso" \
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
	--downloads 1 --window 4 --crc off
