#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the Modbus polling benchmark: on one UART (the PL011, a tty
# at boot), in rounds, K = 1, 2, 4, 8 XY-MD02 sensors are polled
#   - by the kernel: serdev-ldisc bridges ttyAMA0 (ldattach) to serdev-mux
#     and the sensors' hwmon drivers; K readers, one a sensor, cache off;
#   - by userspace: the bridge let go, one libmodbus master (mb-poll) polls
#     the same K sensors in turn, as fast as it can.
# POLLS polls in all for each measurement. One line a measurement:
#   BENCH who=kernel|user k=K round=R polls=N errors=E secs=S
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

polls=$(cat /etc/suite/bench-polls)
rounds=$(cat /etc/suite/bench-rounds)
baud=$(cat /etc/suite/bench-baud)

sensors() { for h in /sys/class/hwmon/hwmon*; do [ "$(cat "$h/name" 2>/dev/null)" = xymd02 ] && echo "$h"; done; }
eight_up() { [ "$(sensors | wc -l)" = 8 ]; }
none_up() { [ "$(sensors | wc -l)" = 0 ]; }
no_ldattach() { ! pidof ldattach >/dev/null; }
attach() { ldattach 29 /dev/ttyAMA0 && wait_for 30 eight_up; }
detach() { killall ldattach && wait_for 10 no_ldattach && wait_for 10 none_up; }

# kernel K: K readers of POLLS/K reads each.
kernel() {
	_each=$((polls / $1))
	_hs=$(modbus_hwmons "$1")
	_t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086
	read_sensors "$_each" $_hs
	_t1=$(cut -d' ' -f1 /proc/uptime)
	echo "BENCH who=kernel k=$1 round=$2 polls=$((_each * $1)) errors=$(wc -l </tmp/errors) secs=$(awk "BEGIN{print $_t1 - $_t0}")"
}

# user K: one libmodbus master, slaves 1..K in turn.
user() {
	_addrs=$(seq 1 "$1" | tr '\n' ' ')
	# shellcheck disable=SC2086
	_out=$(mb-poll /dev/ttyAMA0 "$baud" $((polls / $1 * $1)) $_addrs)
	echo "$_out"
	echo "BENCH who=user k=$1 round=$2 ${_out#MBPOLL }"
}

check "load serdev-ldisc and the sensor drivers" modprobe -a serdev-ldisc serdev-mux xymd02
check "ttyAMA0 is a tty (no serdev child at boot)" test -c /dev/ttyAMA0
r=1
while [ $r -le "$rounds" ]; do
	for k in 1 2 4 8; do
		check "round $r, K=$k: bridge attached, 8 sensors" attach
		kernel "$k" "$r"
		check "round $r, K=$k: bridge detached" detach
		user "$k" "$r"
	done
	r=$((r + 1))
done
exit 0
