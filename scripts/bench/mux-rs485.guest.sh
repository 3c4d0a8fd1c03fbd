#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the RS485 benchmarks. The PL011 is a tty at boot; in each
# round the same UART carries, in turn, one XY-MD02 on the bare UART
# (overlay bare.dtbo) and eight on serdev-mux ports (mux.dtbo), each
# attached through serdev-ldisc (ldattach), so that both are measured in
# the same boot on the same path below them. K readers (K = 1 on the bare
# UART; 1, 2, 4, 8 on the mux), one a sensor, read temp1_input with the
# cache off, READS times each; the shell's read builtin: no fork a poll.
# One line a measurement:
#   BENCH cfg=bare|mux k=K round=R polls=N secs=S cpu_ticks=T errors=E
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

reads=$(cat /etc/suite/bench-reads)
rounds=$(cat /etc/suite/bench-rounds)

count() { _n=0; for _h in /sys/class/hwmon/hwmon*; do [ "$(cat "$_h/name" 2>/dev/null)" = xymd02 ] && _n=$((_n + 1)); done; echo "$_n"; }
no_ldattach() { ! pidof ldattach >/dev/null; }
# attach CFG N: apply CFG's overlay, bridge ttyAMA0, wait for N sensors.
attach() {
	overlay_apply "$1" "/etc/suite/$1.dtbo" && ldattach 29 /dev/ttyAMA0 &&
		wait_for 30 is count "$2"
}
detach() {
	killall ldattach && wait_for 10 no_ldattach && wait_for 10 is count 0 &&
		overlay_remove "$1"
}
cpu() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# measure CFG K ROUND: K readers, sensors at Modbus addresses 1..K.
measure() {
	_hs=$(modbus_hwmons "$2")
	_c0=$(cpu)
	_t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086
	read_sensors "$reads" $_hs
	_t1=$(cut -d' ' -f1 /proc/uptime)
	_c1=$(cpu)
	echo "BENCH cfg=$1 k=$2 round=$3 polls=$(($2 * reads)) secs=$(awk "BEGIN{print $_t1 - $_t0}") cpu_ticks=$((_c1 - _c0)) errors=$(wc -l </tmp/errors)"
}

check "load serdev-ldisc, dtbo-configfs and the sensor drivers" \
	modprobe -a serdev-ldisc dtbo-configfs serdev-mux xymd02
check "ttyAMA0 is a tty (no serdev child at boot)" test -c /dev/ttyAMA0
r=1
while [ $r -le "$rounds" ]; do
	check "round $r: one sensor on the bare UART" attach bare 1
	measure bare 1 "$r"
	check "round $r: bare UART let go" detach bare
	check "round $r: eight sensors on serdev-mux" attach mux 8
	for k in 1 2 4 8; do
		measure mux "$k" "$r"
	done
	check "round $r: mux let go" detach mux
	r=$((r + 1))
done
exit 0
