#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A damaged firmware file named by the firmware-name property: btserdev
# loads it itself and checks it whole, so none of it is sent and the
# controller comes up on its ROM firmware through btvirt. The file btbcm
# would name (brcm/BCM43430A1.hcd) is there too, and must not be used.
# The emulator's record must show that download mode was never entered.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-bcm-named
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"

py=/usr/bin/python3
"$py" "$top/scripts/peers/mkhcd.py" -o "$peer/BCM43430A1.hcd" --size 4096 --seed 7 >/dev/null
# Its Launch RAM record cut short.
"$py" "$top/scripts/peers/mkhcd.py" -o "$peer/named-damaged.hcd" \
	--size 4096 --seed 11 --truncate-final 2 >/dev/null

e2e_python_peer "$peer/bcm.sock" "$peer/bcm-emu.log" bcm-emu.py \
	--listen "$peer/bcm.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json"
emu_pid=${E2E_PIDS[-1]}

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/bt-bcm-pl011.dtso" \
	--overlay "$top/tests/e2e/dtbo/bt-bcm-firmware-name.dtso" \
	--serial "unix:$peer/bcm.sock" \
	--file "$peer/BCM43430A1.hcd:lib/firmware/brcm/BCM43430A1.hcd" \
	--file "$peer/named-damaged.hcd:lib/firmware/brcm/named-damaged.hcd" \
	--guest "$top/tests/e2e/$name.guest.sh"

for _ in $(seq 50); do
	kill -0 "$emu_pid" 2>/dev/null || break
	sleep 0.1
done
"$py" - "$peer/record.json" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
checks = [
    ("download mode never entered", not rec["download_mode_entered"]),
    ("no Write RAM, no Launch RAM",
     rec["write_ram_records"] == 0 and rec["launches"] == 0),
    ("the ROM firmware ran (carried the host's init to btvirt)", rec["rom_ran"]),
]
for what, ok in checks:
    print(("ok     " if ok else "FAILED ") + what)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
