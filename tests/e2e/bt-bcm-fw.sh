#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Firmware download and vendor speed switch: the project's Broadcom
# boot/download emulator sits behind the PL011 and, after the firmware is
# launched and the controller reset, hands the link to BlueZ's btvirt.
# The guest must bring hci0 up through btvirt; the emulator's record must
# show the whole file downloaded (same SHA-256, records, launch address)
# and the speed command.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-bcm-fw
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"

/usr/bin/python3 "$top/scripts/peers/mkhcd.py" -o "$peer/BCM43430A1.hcd" \
	--size 24576 --seed 7 >/dev/null
echo "00:AA:01:00:00:42" >"$peer/bdaddr"

e2e_python_peer "$peer/bcm.sock" "$peer/bcm-emu.log" bcm-emu.py \
	--listen "$peer/bcm.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json"
emu_pid=${E2E_PIDS[-1]}

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/bt-bcm-pl011.dtso" \
	--serial "unix:$peer/bcm.sock" \
	--file "$peer/bdaddr:etc/suite/bdaddr" \
	--file "$peer/BCM43430A1.hcd:lib/firmware/brcm/BCM43430A1.hcd" \
	--guest "$top/tests/e2e/$name.guest.sh"

# The emulator writes its record when QEMU goes away.
for _ in $(seq 50); do
	kill -0 "$emu_pid" 2>/dev/null || break
	sleep 0.1
done
/usr/bin/python3 - "$peer/BCM43430A1.hcd" "$peer/record.json" <<'PY'
import hashlib, json, sys
hcd = open(sys.argv[1], "rb").read()
rec = json.load(open(sys.argv[2]))
# The file's Write RAM data and launch address, read independently.
data, records, launch, off = b"", 0, None, 0
while off < len(hcd):
    op, plen = hcd[off] | hcd[off + 1] << 8, hcd[off + 2]
    params = hcd[off + 3:off + 3 + plen]
    if op == 0xFC4C:
        data += params[4:]
        records += 1
    elif op == 0xFC4E:
        launch = int.from_bytes(params, "little")
    off += 3 + plen
# Setup at boot, and again when the guest opens hci0 after the auto-off.
n = 2
checks = [
    ("download mode entered", rec["download_mode_entered"]),
    ("two downloads (boot, then hciconfig up)", rec["launches"] == n),
    ("every Write RAM record received each time",
     rec["write_ram_records"] == n * records),
    ("every firmware byte received each time",
     rec["write_ram_bytes"] == n * len(data)),
    ("firmware SHA-256 matches the file",
     rec["write_ram_sha256"] == hashlib.sha256(data * n).hexdigest()),
    ("launched at the file's address", rec["launch_address"] == launch),
    ("speed command 3000000 accepted",
     {"baud": 3000000, "accepted": True} in rec["baud_commands"]),
    ("link handed to btvirt after launch and reset", rec["handed_off"]),
]
failed = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok     " if ok else "FAILED ") + name)
sys.exit(1 if failed else 0)
PY
