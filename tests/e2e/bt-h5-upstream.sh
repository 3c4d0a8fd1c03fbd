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
e2e_rtl "$peer" --speed 1500000 --flow
e2e_ftdi_relay "$peer"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/tests/e2e/dtbo/upstream-rtl8723bs.dtso" \
	"${E2E_RTL_ARGS[@]}" "${E2E_FTDI_ARGS[@]}" \
	--guest "$top/tests/e2e/$name.guest.sh"

e2e_wait_exit "$E2E_RTL_PID"
/usr/bin/python3 "$top/tests/e2e/rtl-record.py" "$peer/record.json" "$peer/image.json" \
	--downloads 1 --window 4 --crc off
