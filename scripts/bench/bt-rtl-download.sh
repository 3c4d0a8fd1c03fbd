#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: Realtek firmware download through btserdev's H5 transport and
# btrtl against the project's Realtek emulator, with the UART's wire time
# modelled at 115200 baud 8E1 (11 bits a character; the config file keeps
# the speed at 115200, so the whole download runs at it). The download is
# btrtl's: 252-byte fragments, one command at a time, each answered by a
# Command Complete and acknowledged. Prints, as the median of ROUNDS
# downloads (one boot, one power-up each) with the spread: the bytes on the
# wire both ways (SLIP-encoded), the payload per wire byte, the modelled
# wire time, the measured time (the emulator's clock, first to last
# fragment) and efficiency = wire time / measured. Figures, not a
# pass/fail test.
#   bt-rtl-download.sh [--no-debug] [PATCH_BYTES] [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/bt-rtl-download.sh "$@"
fi
size=${1:-65535}
rounds=${2:-5}
baud=115200
peer=$(e2e_peer_dir bench-rtl-download)
e2e_rtl "$peer" --speed "$baud" --no-flow --patch-size "$size" -- \
	--wire-baud-model --init-baud "$baud"
echo "$rounds" >"$peer/rounds"

"$top/scripts/qemu-run.sh" --name bench-rtl-download --timeout $((120 + rounds * size / 1000)) \
	--modules --overlay "$top/dts/overlays/bt-rtl-pl011.dtso" "${E2E_RTL_ARGS[@]}" \
	--file "$peer/rounds:etc/suite/rounds" \
	--guest "$top/scripts/bench/bt-rtl-download.guest.sh" >/dev/null 2>&1 ||
	die "the downloads did not complete (see $SUITE_CACHE/runs/bench-rtl-download/console.log)"
e2e_wait_exit "$E2E_RTL_PID"

/usr/bin/python3 - "$peer/record.json" "$peer/image.json" "$baud" "$rounds" <<'PY'
import json, statistics, sys
rec = json.load(open(sys.argv[1]))
img = json.load(open(sys.argv[2]))
baud, rounds = int(sys.argv[3]), int(sys.argv[4])
dls = [d for d in rec["downloads"] if d["complete"]]
if len(dls) != rounds or any(d["sha256"] != img["image_sha256"] for d in dls):
    sys.exit(f"bt-rtl-download: {len(dls)} complete downloads of the image, not {rounds}")
if any(d["baud_at_start"] != baud or d["baud_at_end"] != baud for d in dls):
    sys.exit("bt-rtl-download: a download did not run at the modelled speed")


def spread(values, fmt):
    v = sorted(values)
    return f"{fmt % statistics.median(v)} [{fmt % v[0]}-{fmt % v[-1]}]"


wire_b = [d["wire_bytes_host_to_emu"] + d["wire_bytes_emu_to_host"] for d in dls]
wire_s = [b * 11 / baud for b in wire_b]
meas = [d["t_end"] - d["t_start"] for d in dls]
eff = [w / m for w, m in zip(wire_s, meas)]
print(f"image {img['image_length']} bytes in {dls[0]['fragments']} fragments at {baud} baud 8E1, {rounds} downloads")
print(f"bytes on the wire, both ways  {spread(wire_b, '%d')}")
print(f"payload per wire byte         {spread([d['payload_per_wire_byte'] for d in dls], '%.3f')}")
print(f"modelled wire time (s)        {spread(wire_s, '%.2f')}")
print(f"measured download time (s)    {spread(meas, '%.2f')}")
print(f"efficiency (wire/measured)    {spread(eff, '%.3f')}   (goal >= 0.9)")
print(f"BENCH-RESULT bt-rtl-download bytes={img['image_length']} efficiency={statistics.median(eff):.3f}")
PY
