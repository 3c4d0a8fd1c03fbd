#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Modbus sensors against the reference slave nobody here wrote: Debian's
# pymodbus serves three XY-MD02 and an SDM120 as one multi-slave RTU server
# behind the PL011. The guest's hwmon devices and `sensors` show what the
# server holds, and follow when the server's values change mid-run. The
# PL011 drives the transceiver in its own RS485 mode (RTS as DE), which
# QEMU does not show the host: the guest counts the UART driver's RTS
# releases instead. pymodbus is the reference slave for userspace too:
# Debian's mbpoll reads and writes slave 10 through modbus-tty's ttyMB0.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-pymodbus
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$top/scripts/peers/pymodbus-bus.py" \
	--port-file "$peer/port" --values "$peer/values.json" \
	--slave xymd02@1:temp=21.5,rh=40.2 --slave xymd02@2:temp=-3.5,rh=88.0 \
	--slave xymd02@3:temp=30.1,rh=12.3 \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5 \
	--slave xymd02@10:temp=19.5,rh=55.0 \
	>"$peer/pymodbus.log" 2>&1 &
E2E_PIDS+=("$!")
for _ in $(seq 100); do [ -s "$peer/port" ] && break; sleep 0.1; done
[ -s "$peer/port" ] || die "pymodbus did not start: $(tail -n 3 "$peer/pymodbus.log")"
port=$(cat "$peer/port")
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# When the guest has checked the first values, the server's values change.
log=$SUITE_CACHE/runs/$name/console.log
rm -f "$log"
(
	for _ in $(seq 1200); do
		grep -qs 'WAITING FOR NEW VALUES' "$log" && break
		sleep 0.1
	done
	echo '{"1": {"temp": 25.25, "rh": 55.5}, "4": {"volts": 241.0, "kwh": 1300.25}}' \
		>"$peer/values.json.tmp"
	mv "$peer/values.json.tmp" "$peer/values.json"
) &
E2E_PIDS+=("$!")

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/modbus-sensors-rs485-uart-pl011.dtso" \
	--serial "tcp:127.0.0.1:$port" \
	--guest "$top/tests/e2e/$name.guest.sh"
