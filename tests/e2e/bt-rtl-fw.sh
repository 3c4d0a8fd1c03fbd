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
e2e_rtl "$peer" --speed 1500000 --flow -- --wire-baud-model
e2e_ftdi_relay "$peer"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-rtl-pl011.dtso" "${E2E_RTL_ARGS[@]}" "${E2E_FTDI_ARGS[@]}" \
	--guest "$top/tests/e2e/$name.guest.sh"

e2e_wait_exit "$E2E_RTL_PID"
/usr/bin/python3 "$top/tests/e2e/rtl-record.py" "$peer/record.json" "$peer/image.json" \
	--downloads 2 --window 4 --crc off
