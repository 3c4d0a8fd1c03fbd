#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the modbus-tty benchmark. The PL011 is a tty at boot. In
# each round: libmodbus (mb-poll) polls slave 10 on the bare UART, the
# way users poll today; then the UART carries an RS485 bus through
# serdev-ldisc (overlay bus.dtbo: an XY-MD02 for its hwmon driver on
# port 1, modbus-tty on port 8) and the same is measured through the
# kernel: the driver alone (temp1_input with the cache off), libmodbus
# through /dev/ttyMB0 alone, and both at once. One line a measurement:
#   BENCH cfg=bare|driver|tty|both round=R polls=N secs=S errors=E
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

polls=$(cat /etc/suite/bench-polls)
rounds=$(cat /etc/suite/bench-rounds)
baud=$(cat /etc/suite/bench-baud)

no_ldattach() { ! pidof ldattach >/dev/null; }
bus_up() { test -c /dev/ttyMB0 && modbus_hwmon 1 >/dev/null; }
bus_gone() { test ! -e /dev/ttyMB0 && ! modbus_hwmon 1 >/dev/null; }
attach() { overlay_apply bus /etc/suite/bus.dtbo && ldattach 29 /dev/ttyAMA0 && wait_for 30 bus_up; }
detach() { killall ldattach && wait_for 10 no_ldattach && wait_for 10 bus_gone && overlay_remove bus; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk "BEGIN{print $(now) - $1}"; }
# mbpoll_line CFG ROUND: mb-poll's "MBPOLL polls=N errors=E secs=S" as a
# BENCH line.
bench_line() { sed -n "s/^MBPOLL \\(.*\\)/BENCH cfg=$1 round=$2 \\1/p"; }

check "load serdev-ldisc, dtbo-configfs, the driver and modbus-tty" \
	modprobe -a serdev-ldisc dtbo-configfs serdev-mux xymd02 modbus-tty
check "ttyAMA0 is a tty (no serdev child at boot)" test -c /dev/ttyAMA0
r=1
while [ "$r" -le "$rounds" ]; do
	mb-poll /dev/ttyAMA0 "$baud" "$polls" 10 | bench_line bare "$r"
	check "round $r: the bus on serdev-mux" attach
	h=$(modbus_hwmon 1)
	t0=$(now)
	read_sensors "$polls" "$h"
	echo "BENCH cfg=driver round=$r polls=$polls errors=$(wc -l </tmp/errors) secs=$(since "$t0")"
	mb-poll /dev/ttyMB0 "$baud" "$polls" 10 | bench_line tty "$r"
	t0=$(now)
	mb-poll /dev/ttyMB0 "$baud" "$polls" 10 >/tmp/both.txt &
	mbp=$!
	read_sensors "$polls" "$h"
	wait "$mbp"
	secs=$(since "$t0")
	tty_errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' /tmp/both.txt)
	echo "BENCH cfg=both round=$r polls=$((2 * polls)) errors=$(($(wc -l </tmp/errors) + ${tty_errors:-1})) secs=$secs"
	check "round $r: bus let go" detach
	r=$((r + 1))
done
exit 0
