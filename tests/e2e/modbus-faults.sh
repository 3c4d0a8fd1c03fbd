#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input from Modbus slaves, through serdev-mux, against the project's
# bus simulator: a truncated answer (slave 1), a collision (slave 2), an
# exception (slave 3), and a meter that changes its address (slave 4, moved
# to 9 until the guest has seen it fail, then back). Each reader gets an
# error or a retried good value, the counters show it, the other slaves
# keep working and the bus recovers.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-faults
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --control "$peer/ctl.sock" \
	--record "$peer/record.json" --baud 19200 \
	--slave xymd02@1:temp=21.5,rh=40.2 --slave xymd02@2:temp=-3.5,rh=88.0 \
	--slave xymd02@3:temp=30.1,rh=12.3 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5 \
	--fault truncate:1:1 --fault collision:2:1 --fault exception:3:4:1 \
	--fault readdress:4:9

# The meter comes back to its address once the guest has seen it gone.
log=$SUITE_CACHE/runs/$name/console.log
rm -f "$log"
(
	for _ in $(seq 1200); do
		grep -qs 'METER MAY COME BACK' "$log" && break
		sleep 0.1
	done
	echo '{"cmd": "fault", "spec": "readdress:9:4"}' |
		socat -t 2 - "UNIX-CONNECT:$peer/ctl.sock" >"$peer/ctl.out"
) &
E2E_PIDS+=("$!")

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/modbus-sensors-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"
grep -q '"ok": *true' "$peer/ctl.out" || die "the simulator refused readdress: $(cat "$peer/ctl.out")"
