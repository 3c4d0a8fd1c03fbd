#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# RS485 multi-drop through serdev-mux: the PL011 drives a bus emulated on
# the host (scripts/peers/rs485-bus.py, wire time modelled at each slave's
# speed: 19200 baud, the meter 9600)
# with upstream's unmodified scd30_serial on port 0x61 next to three
# XY-MD02 sensors and an SDM120 energy meter at its own line speed. Slave 1 answers once with a bad CRC, slave 2 loses five
# requests, a wrong address answers for slave 3 once: each is counted and
# the bus recovers. The simulator checks every frame's CRC and the silent
# interval before it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=mux-rs485
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --record "$peer/record.json" \
	--baud 19200 --wire-model \
	--slave scd30@0x61:co2=612.5,temp=23.25,rh=45.5 \
	--slave xymd02@1:temp=21.5,rh=40.2 \
	--slave xymd02@2:temp=-3.5,rh=88.0 \
	--slave xymd02@3:temp=30.1,rh=12.3 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5,baud=9600 \
	--fault crc:1:1 --fault silence:2:5 --fault wrong-slave:3:1

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/rs485-bus-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"

# The simulator's view: every frame valid and timed, every fault used.
pids=("${E2E_PIDS[@]}")
e2e_stop_peers
trap - EXIT
wait "${pids[@]}" 2>/dev/null || true
/usr/bin/python3 - "$peer/record.json" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
st = rec["stats"]
print("simulator:", json.dumps({k: st[k] for k in (
    "requests", "replies", "crc_errors", "resyncs", "unknown_addr",
    "gap_violations", "faults_by_kind")}))
bad = []
if st["crc_errors"] or st["resyncs"]:
    bad.append("a request from the guest was damaged")
if st["gap_violations"]:
    bad.append(f"{st['gap_violations']} requests broke the silent interval")
for kind in ("crc", "silence", "wrong-slave"):
    if kind not in st["faults_by_kind"]:
        bad.append(f"fault {kind} never applied")
for addr in ("1", "2", "3", "4", "97"):
    if not st["requests"].get(addr):
        bad.append(f"no request for slave {addr}")
if bad:
    sys.exit("simulator: " + "; ".join(bad))
PY
