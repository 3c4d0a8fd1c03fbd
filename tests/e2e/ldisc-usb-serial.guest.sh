#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of ldisc-usb-serial.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

cfs=/sys/kernel/config/device-tree/overlays
meter() { grep -l '^sdm120$' /sys/class/hwmon/*/name 2>/dev/null | head -n 1 | sed 's#/name$##'; }
has_meter() { [ -n "$(meter)" ]; }
no_meter() { [ -z "$(meter)" ]; }

check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
check "load dtbo-configfs and serdev-ldisc" modprobe -a dtbo-configfs serdev-ldisc
check "ttyUSB0 without a node: attach refused" sh -c "! ldattach 29 /dev/ttyUSB0 2>/dev/null"
check "the refusal names the missing node" \
	sh -c "dmesg | grep -q 'no /serdev-ldisc/ttyUSB0 node (nor a USB node) describes what is behind ttyUSB0'"
mkdir "$cfs/meter"
cat /etc/suite/meter.dtbo >"$cfs/meter/dtbo"
check "overlay for what is behind ttyUSB0 applied" sh -c "echo 1 >$cfs/meter/status"

# A user who may open the tty (a dialout member, here mode 0666) still may
# not bridge it: the line discipline's open wants CAP_SYS_ADMIN. Root's
# attach below is the positive control.
chmod 0666 /dev/ttyUSB0
nobody_opens() { as_nobody 'exec 3<>/dev/ttyUSB0'; }
nobody_refused() {
	! as_nobody 'ldattach -s 9600 29 /dev/ttyUSB0' 2>/tmp/ld-nobody.err &&
		cat /tmp/ld-nobody.err && grep -qi 'not permitted' /tmp/ld-nobody.err
}
check "nobody may open ttyUSB0" nobody_opens
check "ldattach as nobody is refused: not permitted" nobody_refused
check "no serdev client from it" sh -c "! ls /sys/bus/serial/devices/serial*-* >/dev/null 2>&1"
chmod 0660 /dev/ttyUSB0

check "ldattach 29 /dev/ttyUSB0" ldattach -s 9600 -8 -n -1 29 /dev/ttyUSB0
# Load the new client's driver by its modalias, as udev would on its uevent.
coldplug() { cat /sys/bus/serial/devices/*/modalias 2>/dev/null | xargs -r modprobe -a -q; }
client() { ls /sys/bus/serial/devices/serial*-* >/dev/null 2>&1; }
check "a serdev client device behind ttyUSB0" wait_for 10 client
coldplug
check "the meter probed behind the adapter" wait_for 15 has_meter
check "voltage 230.5 V through USB-serial" is "cat $(meter)/in0_input" 230500
# sysfs and debugfs: nobody may not change the meter's settings nor read
# its counters; root may (positive controls).
m=$(meter)
dbg=/sys/kernel/debug/serdev-modbus/$(basename "$(readlink -f "$m/device")")/requests
nobody_sets_interval() { ! as_nobody "echo 0 >$m/update_interval" 2>/dev/null; }
nobody_reads_counters() { ! as_nobody "cat $dbg" >/dev/null 2>&1; }
check "nobody cannot write update_interval" nobody_sets_interval
check "root can" sh -c "echo 500 >$m/update_interval && [ \$(cat $m/update_interval) = 500 ]"
check "nobody cannot read the Modbus counters (debugfs)" nobody_reads_counters
check "root can" sh -c "cat $dbg >/dev/null"
check "energy 1234.5 kWh" is "cat $(meter)/energy1_input" 4444200000000000
check "detach (ldattach ends)" killall ldattach
check "the meter is removed on detach" wait_for 10 no_meter
check "the bridge let go of ttyUSB0" sh -c "dmesg | grep -q 'serdev-ldisc: ttyUSB0 released'"

check "attach again" ldattach -s 9600 -8 -n -1 29 /dev/ttyUSB0
coldplug
check "the meter is back" wait_for 30 has_meter
m=$(meter)
echo 0 >"$m/update_interval"
(
	while read -r _ <"$m/in0_input"; do :; done
) 2>/dev/null &
reader=$!
sleep 1
echo "UNPLUG THE ADAPTER"
check "ttyUSB0 goes with the adapter" wait_for 30 test ! -e /dev/ttyUSB0
check "the meter is removed on unplug" wait_for 10 no_meter
wait "$reader" 2>/dev/null
killall ldattach 2>/dev/null
check "rmdir the overlay" rmdir "$cfs/meter"
check "unload serdev-ldisc" modprobe -r serdev-ldisc
exit 0
