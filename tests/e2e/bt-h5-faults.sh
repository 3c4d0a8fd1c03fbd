#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input on btserdev's three-wire (H5) link, with the data integrity
# check (CRC) on: the Realtek emulator, told by the guest through its own
# test command (0xfcf1), sends garbage between frames, a bad header
# checksum, a bad CRC, an out-of-window sequence number, a duplicate,
# withholds an acknowledgment, resets the link while active, and ignores
# SYNC for a while. Then the firmware and config files are damaged in
# turn. Each must be counted, recovered from (hci0 answers again), and
# the damaged files refused before any fragment goes out; the console
# scan (KASAN, kmemleak, lockdep) must stay silent.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-h5-faults
peer=$(e2e_peer_dir "$name")
e2e_rtl "$peer" --speed 921600 --no-flow
files=()
for f in fw config; do
	files+=(--file "$peer/fw/rtl_bt/rtl8723bs_$f.bin:etc/suite/rtl/good_$f.bin")
done
for d in truncated-fw:fw bad-signature:fw truncated-cfg:config bad-cfg-magic:config; do
	/usr/bin/python3 "$top/scripts/peers/mkrtl.py" --chip rtl8723bs --speed 921600 --no-flow \
		--out "$peer/${d%:*}" --damage "${d%:*}" >/dev/null
	files+=(--file "$peer/${d%:*}/rtl_bt/rtl8723bs_${d#*:}.bin:etc/suite/rtl/${d%:*}.bin")
done

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--append btserdev.h5_crc=1 \
	--overlay "$top/dts/overlays/bt-rtl-pl011.dtso" "${E2E_RTL_ARGS[@]}" "${files[@]}" \
	--guest "$top/tests/e2e/$name.guest.sh"

e2e_wait_exit "$E2E_RTL_PID"
# Four downloads: boot, after the peer's reset, after the deaf spell, and
# with the files restored; the damaged files sent nothing.
/usr/bin/python3 "$top/tests/e2e/rtl-record.py" "$peer/record.json" "$peer/image.json" \
	--downloads 4 --crc on --faults 1,2,3,4,5,6,7,8 --host-retransmissions 1
