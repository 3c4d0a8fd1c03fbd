#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel drivers and a userspace Modbus master on one RS485 bus: the
# XY-MD02 and SDM120 hwmon drivers poll their slaves while Debian's mbpoll
# (libmodbus) polls, through modbus-tty's /dev/ttyMB0, two slaves that
# have no kernel driver, at their own 115200 baud. The host's bus
# simulator models the wire at each slave's speed and drops any request
# that breaks the silent interval (--strict-gap): its record must show no
# damaged frame, no gap violation and at least 2,000 transactions.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-tty
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --record "$peer/record.json" \
	--baud 19200 --wire-model --strict-gap \
	--slave xymd02@1:temp=21.5,rh=40.2 \
	--slave xymd02@2:temp=-3.5,rh=88.0 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5,baud=9600 \
	--slave xymd02@10:temp=21.5,rh=40.2,baud=115200 \
	--slave regs@11:count=32,baud=115200

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/modbus-tty-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"

pids=("${E2E_PIDS[@]}")
e2e_stop_peers
trap - EXIT
wait "${pids[@]}" 2>/dev/null || true
/usr/bin/python3 - "$peer/record.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))["stats"]
print("simulator:", json.dumps({k: st[k] for k in (
    "requests", "replies", "crc_errors", "resyncs", "unknown_addr",
    "gap_violations", "broadcasts")}))
total = sum(st["requests"].values())
checks = [
    ("no damaged frame on the wire", not st["crc_errors"] and not st["resyncs"]),
    ("no frame broke the silent interval", not st["gap_violations"]),
    ("at least 2000 transactions in all", total >= 2000),
    ("both the kernel's slaves and userspace's were polled",
     all(st["requests"].get(a) for a in ("1", "2", "10", "11"))),
    ("one broadcast, the one root allowed", st.get("broadcasts") == 1),
    ("no request to an address nobody has", not st["unknown_addr"]),
]
for what, ok in checks:
    print(("ok     " if ok else "FAILED ") + what)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
