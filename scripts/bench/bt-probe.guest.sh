#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-probe-time.sh: reload btserdev and time, from modprobe,
# hci0's registration and the end of its first setup and init (the BD
# address read from the controller shows in hciconfig).
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

expected=$(cat /etc/suite/bdaddr 2>/dev/null)
[ -n "$expected" ] || exit 1
now() { cut -d' ' -f1 /proc/uptime; }
wait_for 30 test -e /sys/class/bluetooth/hci0 || exit 1
rmmod btserdev || exit 1
t0=$(now)
modprobe btserdev || exit 1
until [ -e /sys/class/bluetooth/hci0 ]; do usleep 5000; done
t1=$(now)
i=0
until hciconfig -a hci0 2>/dev/null | grep -q "BD Address: $expected"; do
	usleep 5000
	i=$((i + 1))
	[ "$i" -lt 12000 ] || exit 1
done
t2=$(now)
echo "BENCH-PROBE: $t0 $t1 $t2"
exit 0
