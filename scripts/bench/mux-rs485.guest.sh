#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the RS485 benchmarks: K readers (K = 1, 2, 4, 8, as many
# sensors as the board has) each read their own XY-MD02 with the cache off,
# READS times each, and the elapsed guest time is printed per K, with the
# guest's CPU time spent. Reads use the shell's read builtin: no fork per
# poll.
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

reads=$(cat /etc/suite/bench-reads)
check "sensors probed" wait_for 30 test -e /sys/class/hwmon/hwmon0/temp1_input
sensors=""
for h in /sys/class/hwmon/hwmon*; do
	[ "$(cat "$h/name")" = xymd02 ] || continue
	echo 0 >"$h/update_interval"
	sensors="$sensors $h/temp1_input"
done
n=$(echo "$sensors" | wc -w)
check "at least one sensor" test "$n" -ge 1

poll() {
	i=0
	while [ $i -lt "$reads" ]; do
		read -r _ <"$1" || echo "read error" >>/tmp/errors
		i=$((i + 1))
	done
}
cpu() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
for k in 1 2 4 8; do
	[ "$k" -le "$n" ] || break
	pids=""
	c0=$(cpu)
	t0=$(cut -d' ' -f1 /proc/uptime)
	j=0
	for f in $sensors; do
		[ $j -lt $k ] || break
		poll "$f" &
		pids="$pids $!"
		j=$((j + 1))
	done
	# shellcheck disable=SC2086
	wait $pids
	t1=$(cut -d' ' -f1 /proc/uptime)
	c1=$(cpu)
	echo "BENCH readers=$k polls=$((k * reads)) t0=$t0 t1=$t1 cpu_ticks=$((c1 - c0))"
done
check "no read failed" test ! -e /tmp/errors
exit 0
