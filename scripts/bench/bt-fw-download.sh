#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: Broadcom firmware download through btserdev against the
# project's emulator with the UART's wire time modelled at the init speed
# (115200 baud, no speed switch). Prints the download's bytes on the wire,
# the modelled wire time, the measured time (the emulator's clock, from
# Download Minidriver to Launch RAM) and efficiency = wire / measured.
# Figures, not a pass/fail test.
#   bt-fw-download.sh [--no-debug] [SIZE_BYTES]
# --no-debug runs on the test kernel built without the debug options (built
# first if needed, ~13 min cold), with the modules built for it in a copy
# of the tree under the cache.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/bt-fw-download.sh "$@"
fi

size=${1:-65536}
baud=115200
peer=$(e2e_peer_dir bench-fw)
e2e_btvirt "$peer"

# The Broadcom overlay without max-speed: the download runs at init speed.
grep -v 'max-speed' "$top/dts/overlays/bt-bcm-pl011.dtso" >"$peer/bt-bcm-init-speed.dtso"
echo "00:AA:01:00:00:42" >"$peer/bdaddr"
/usr/bin/python3 "$top/scripts/peers/mkhcd.py" -o "$peer/BCM43430A1.hcd" \
	--size "$size" --seed 1 >/dev/null
e2e_python_peer "$peer/bcm.sock" "$peer/bcm-emu.log" bcm-emu.py \
	--listen "$peer/bcm.sock" --upstream "$peer/bt-server-bredr" \
	--record "$peer/record.json" --wire-baud-model --init-baud "$baud"
emu=${E2E_PIDS[-1]}

"$top/scripts/qemu-run.sh" --name bench-fw --timeout 600 --modules \
	--overlay "$peer/bt-bcm-init-speed.dtso" --serial "unix:$peer/bcm.sock" \
	--file "$peer/BCM43430A1.hcd:lib/firmware/brcm/BCM43430A1.hcd" \
	--file "$peer/bdaddr:etc/suite/bdaddr" \
	--guest "$top/tests/e2e/bt-bcm-fw.guest.sh" >/dev/null 2>&1 ||
	die "the download did not complete (see $SUITE_CACHE/runs/bench-fw/console.log)"
for _ in $(seq 50); do kill -0 "$emu" 2>/dev/null || break; sleep 0.1; done

/usr/bin/python3 - "$peer/BCM43430A1.hcd" "$peer/record.json" "$baud" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
rec = json.load(open(sys.argv[2]))
baud = int(sys.argv[3])
# Each record goes out as an H4 command (type byte + the record) and comes
# back as a 7-byte Command Complete; Download Minidriver is one more pair.
records, off = 0, 0
while off < len(data):
    off += 3 + data[off + 2]
    records += 1
wire_bytes = (len(data) + records) + 7 * records + (4 + 7)
wire = wire_bytes * 10 / baud
measured = rec["t_launch_ram"] - rec["t_download_minidriver"]
print(f"firmware {len(data)} bytes in {records} records at {baud} baud")
print(f"bytes on the wire         {wire_bytes}")
print(f"modelled wire time        {wire:.2f} s")
print(f"measured download time    {measured:.2f} s")
print(f"efficiency (wire/measured) {wire / measured:.3f}   (goal >= 0.9)")
print(f"BENCH-RESULT bt-fw-download bytes={len(data)} efficiency={wire / measured:.3f}")
PY
