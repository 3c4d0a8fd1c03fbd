#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel drivers and a userspace Modbus master on one RS485 bus: the
# XY-MD02 and SDM120 hwmon drivers poll their slaves while Debian's mbpoll
# (libmodbus) polls, through modbus-tty's /dev/ttyMB0, two slaves that
# have no kernel driver, at their own 115200 baud. The host's bus
# simulator models the wire at each slave's speed and drops any request
# that breaks the silent interval (--strict-gap): its record must show no
# damaged frame, no gap violation and at least 2,000 transactions.
# pymodbus is a master too: on the host, on a pty that a virtio-serial
# port joins to the guest, where frame-relay hands each request whole to
# /dev/ttyMB0 (python in the guest would weigh on every boot).
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

# The host's pymodbus master: a pty joined to the guest's port, started
# when the guest says its relay runs.
log=$SUITE_CACHE/runs/$name/console.log
rm -f "$log"
(
	for _ in $(seq 600); do [ -S "$peer/mbhost.sock" ] && break; sleep 0.1; done
	exec socat "pty,link=$peer/mbtty,raw,echo=0" "unix-connect:$peer/mbhost.sock"
) >"$peer/socat.log" 2>&1 &
E2E_PIDS+=("$!")
(
	for _ in $(seq 3000); do grep -qs 'SUITE-PYMODBUS: go' "$log" && break; sleep 0.1; done
	exec /usr/bin/python3 "$top/scripts/peers/pymodbus-master.py" --port "$peer/mbtty" \
		--baud 115200 --rounds 100 --expect 215,402 --result "$peer/pymodbus.json"
) >"$peer/pymodbus.log" 2>&1 &
E2E_PIDS+=("$!")

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--qemu -chardev --qemu "socket,id=mbhost,path=$peer/mbhost.sock,server=on,wait=off" \
	--qemu -device --qemu "virtserialport,chardev=mbhost,name=suite.modbus" \
	--overlay "$top/dts/overlays/modbus-tty-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"

pids=("${E2E_PIDS[@]}")
e2e_stop_peers
trap - EXIT
wait "${pids[@]}" 2>/dev/null || true
/usr/bin/python3 - "$peer/record.json" "$peer/pymodbus.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))["stats"]
try:
    pym = json.load(open(sys.argv[2]))
except OSError:
    pym = {"requests": 0, "matched": 0, "errors": ["no result"], "mismatches": []}
print("pymodbus:", json.dumps(pym))
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
    ("pymodbus: 300 requests through ttyMB0, every answer the slave's",
     pym["requests"] == 300 and pym["matched"] == 300),
]
for what, ok in checks:
    print(("ok     " if ok else "FAILED ") + what)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
