#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Modbus library without serdev-mux: an SDM120 alone on the PL011
# against the project's simulator (wire time modelled at 9600 baud). The
# simulator damages the first three answers, one fault each: an exception
# (an answer: not retried, the first read fails with it), then cut short
# and bad CRC (each retried: the second read gets its value on the third
# try). Each is counted by the library, and the simulator's record shows
# the requests and answers the guest's counters claim.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-bare-uart
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --record "$peer/record.json" \
	--baud 9600 --wire-model \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5 \
	--fault exception:4:4:1 --fault truncate:4:1 --fault crc:4:1

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/sdm120-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"

# The simulator's record: what went over the wire.
for _ in $(seq 50); do
	[ -s "$peer/record.json" ] && break
	sleep 0.1
done
/usr/bin/python3 - "$peer/record.json" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
verdicts = [f["verdict"] for f in rec["frames"] if f["dir"] == "tx"][:4]
print("first answers:", verdicts)
want = ["fault:exception", "ok+fault:truncate", "ok+fault:crc", "ok"]
kinds = rec["stats"].get("faults_by_kind", {})
ok = verdicts == want and kinds == {"truncate": 1, "crc": 1, "exception": 1}
print("ok     one fault an answer, in order" if ok else
      f"FAILED want {want} and one fault of each kind, got {kinds}")
sys.exit(0 if ok else 1)
PY
