#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Firmware download, names and the vendor speed switch: the project's
# Broadcom boot/download emulator sits behind the PL011 and, after the
# firmware is launched and the controller reset, hands the link to BlueZ's
# btvirt. The board says it is a Raspberry Pi 4B. The emulator is four
# chips in turn (the guest swaps them with the emulator's own command):
# BCM43430A1 finds only its generic file, BCM4345C0 its board-specific
# file beside a generic one, BCM4345C5 its generic file, and a chip
# btbcm does not know nothing (the ROM firmware runs). The guest must
# bring hci0 up through btvirt each time; the emulator's record must show
# which file each chip received, whole (same SHA-256, records, launch
# address), and the speed command.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-bcm-fw
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"

board=raspberrypi,4-model-b
fw=(BCM43430A1.hcd:7 "BCM4345C0.$board.hcd:8" BCM4345C0.hcd:9 BCM4345C5.hcd:10)
files=()
for f in "${fw[@]}"; do
	/usr/bin/python3 "$top/scripts/peers/mkhcd.py" -o "$peer/${f%:*}" \
		--size 24576 --seed "${f##*:}" >/dev/null
	files+=(--file "$peer/${f%:*}:lib/firmware/brcm/${f%:*}")
done
echo "00:AA:01:00:00:42" >"$peer/bdaddr"

e2e_python_peer "$peer/bcm.sock" "$peer/bcm-emu.log" bcm-emu.py \
	--listen "$peer/bcm.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json" --chip BCM43430A1 --chip BCM4345C0 \
	--chip BCM4345C5 --chip unknown
emu_pid=${E2E_PIDS[-1]}

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/bt-bcm-pl011.dtso" \
	--overlay "$top/tests/e2e/dtbo/rpi4b-root.dtso" \
	--serial "unix:$peer/bcm.sock" \
	--file "$peer/bdaddr:etc/suite/bdaddr" \
	"${files[@]}" \
	--guest "$top/tests/e2e/$name.guest.sh"

# The emulator writes its record when QEMU goes away.
for _ in $(seq 50); do
	kill -0 "$emu_pid" 2>/dev/null || break
	sleep 0.1
done
/usr/bin/python3 - "$peer" "$board" <<'PY'
import hashlib, json, sys
peer, board = sys.argv[1:]
rec = json.load(open(f"{peer}/record.json"))


def parse(name):
    """A file's Write RAM data, records and launch address, read
    independently of the emulator."""
    hcd = open(f"{peer}/{name}", "rb").read()
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
    return data, records, launch


def got(chip, name, n):
    """chip received file name, whole, n times (and nothing else)."""
    c = rec["chips"].get(chip, {})
    data, records, _ = parse(name)
    return (c.get("launches") == n and c.get("write_ram_records") == n * records
            and c.get("write_ram_bytes") == n * len(data)
            and c.get("write_ram_sha256") == hashlib.sha256(data * n).hexdigest())


unknown = rec["chips"].get("unknown", {})
checks = [
    ("download mode entered", rec["download_mode_entered"]),
    # Setup at boot, and again when the guest opens hci0 after the auto-off.
    ("BCM43430A1: its generic file, whole, twice (boot, hciconfig up)",
     got("BCM43430A1", "BCM43430A1.hcd", 2)),
    ("launched at the file's address",
     rec["launch_address"] == parse("BCM43430A1.hcd")[2]),
    ("BCM4345C0: the Pi 4B's own file, not the generic one",
     got("BCM4345C0", f"BCM4345C0.{board}.hcd", 1)),
    ("BCM4345C5: its generic file", got("BCM4345C5", "BCM4345C5.hcd", 1)),
    ("a chip btbcm does not know: nothing sent",
     unknown.get("minidrivers") == 0 and unknown.get("launches") == 0
     and unknown.get("write_ram_records") == 0),
    ("four chips, three switches", rec["chip_switches"] == 3),
    ("speed command 3000000 accepted",
     {"baud": 3000000, "accepted": True} in rec["baud_commands"]),
    ("link handed to btvirt after launch and reset", rec["handed_off"]),
]
failed = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok     " if ok else "FAILED ") + name)
sys.exit(1 if failed else 0)
PY
