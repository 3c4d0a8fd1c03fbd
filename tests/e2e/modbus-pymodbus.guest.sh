#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-pymodbus: hwmon and `sensors` against pymodbus, on
# a bus whose transceiver the UART's own RS485 mode drives.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

four() { [ -n "$(modbus_hwmon 4)" ] && [ -n "$(modbus_hwmon 3)" ] && [ -n "$(modbus_hwmon 2)" ] && [ -n "$(modbus_hwmon 1)" ]; }

check "four Modbus devices in hwmon" wait_for 60 four

# The transceiver's DE is the UART's RTS in the UART's own RS485 mode: the
# mux touches no GPIO, and the PL011 releases RTS once per request sent.
requests() { cat /sys/kernel/debug/serdev-modbus/*/requests | awk '{ n += $1 } END { print n }'; }
check "the mux leaves DE to the UART's RS485 mode" \
	is "cat /sys/kernel/debug/serdev-mux/*/direction" uart-rs485
no_de_line() { ! gpio_taken de; }
check "no GPIO line is taken for DE" no_de_line
check "count the PL011's RS485 RTS releases" kprobe_count rts_release pl011_rs485_tx_stop
req0=$(requests)
check "slave 1: 21.5 C" is "cat $(modbus_hwmon 1)/temp1_input" 21500
check "slave 1: 40.2 %RH" is "cat $(modbus_hwmon 1)/humidity1_input" 40200
check "slave 2: -3.5 C" is "cat $(modbus_hwmon 2)/temp1_input" -3500
check "slave 3: 12.3 %RH" is "cat $(modbus_hwmon 3)/humidity1_input" 12300
check "meter: 230.5 V" is "cat $(modbus_hwmon 4)/in0_input" 230500
check "meter: 1.25 A" is "cat $(modbus_hwmon 4)/curr1_input" 1250
check "meter: 1234.5 kWh" is "cat $(modbus_hwmon 4)/energy1_input" 4444200000000000
sensors >/tmp/s1.txt 2>&1
cat /tmp/s1.txt
check "sensors: three xymd02 and one sdm120" \
	is "grep -c -e ^xymd02 -e ^sdm120 /tmp/s1.txt" 4
check "sensors: slave 1 at +21.5 C" grep -q '+21.5.C' /tmp/s1.txt
# The nodes' labels tell the sensors apart: hwmon's label, each channel's,
# and what sensors prints.
check "slave 1's hwmon label is its node's: greenhouse" is "cat $(modbus_hwmon 1)/label" greenhouse
check "slave 2's temperature channel is labelled cellar" is "cat $(modbus_hwmon 2)/temp1_label" cellar
check "the meter's power channel is labelled heat pump" is "cat $(modbus_hwmon 4)/power1_label" "heat pump"
check "sensors: greenhouse at +21.5 C" grep -q '^greenhouse: *+21.5.C' /tmp/s1.txt
check "sensors: cellar at -3.5 C" grep -q '^cellar: *-3.5.C' /tmp/s1.txt
check "sensors: attic at 12.3 %RH" grep -q '^attic: *12.3 %RH' /tmp/s1.txt
check "sensors: heat pump at 230.50 V" grep -q '^heat pump: *230.50 V' /tmp/s1.txt

# A value is kept for update_interval: a burst of readers costs no bus read.
h2=$(modbus_hwmon 2)
reqs() { cat "/sys/kernel/debug/serdev-modbus/$(basename "$(readlink -f "$h2/device")")/requests"; }
echo 10000 >"$h2/update_interval"
check "update_interval is writable" is "cat $h2/update_interval" 10000
cat "$h2/temp1_input" >/dev/null
r0=$(reqs)
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$h2/temp1_input" "$h2/humidity1_input" >/dev/null; done
check "20 reads within update_interval: no request on the bus" is reqs "$r0"
echo 1000 >"$h2/update_interval"

echo "WAITING FOR NEW VALUES"
t1() { cat "$(modbus_hwmon 1)/temp1_input"; }
check "slave 1 follows the server: 25.25 C reads 25.2 C" wait_for 30 is t1 25200
check "slave 1: 55.5 %RH" is "cat $(modbus_hwmon 1)/humidity1_input" 55500
check "meter follows: 241 V" wait_for 10 is "cat $(modbus_hwmon 4)/in0_input" 241000
check "meter: 1300.25 kWh" is "cat $(modbus_hwmon 4)/energy1_input" 4680900000000000
check "slave 2 unchanged: -3.5 C" is "cat $(modbus_hwmon 2)/temp1_input" -3500
sensors >/tmp/s2.txt 2>&1
cat /tmp/s2.txt
check "sensors shows the new values" grep -q '+25.2.C' /tmp/s2.txt

# Each device read ten times with its cache off: a request each.
for a in 1 2 3 4; do
	h=$(modbus_hwmon $a)
	echo 0 >"$h/update_interval"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if [ -e "$h/temp1_input" ]; then read -r _ <"$h/temp1_input"; else read -r _ <"$h/in0_input"; fi
	done
done
sent=$(($(requests) - req0))
echo "requests sent: $sent, RTS releases: $(kprobe_hits rts_release)"
check "requests were sent while counting" test "$sent" -ge 40
check "the UART released RTS once per request" is "kprobe_hits rts_release" "$sent"

# Userspace on the same bus: mbpoll (libmodbus) through modbus-tty, against
# pymodbus's slave 10, which no kernel driver has.
mb() { mbpoll -m rtu -b 9600 -P none -0 -o 1 "$@" /dev/ttyMB0; }
values() { sed -n 's/^\[\([0-9]*\)\]:[[:space:]]*\([^[:space:]]*\).*/\1=\2/p' | tr '\n' ' '; }
check "ttyMB0 for userspace masters" test -c /dev/ttyMB0
mb -a 10 -r 1 -c 2 -t 3 -1 >/tmp/mb.txt 2>&1
cat /tmp/mb.txt
check "mbpoll reads pymodbus's slave 10: 19.5 C, 55.0 %" is "values </tmp/mb.txt" "1=195 2=550 "
check "mbpoll writes its holding registers 32 and 33" \
	mbpoll -m rtu -b 9600 -P none -0 -o 1 -a 10 -r 32 -t 4 /dev/ttyMB0 4321 8765
mb -a 10 -r 32 -c 2 -t 4 -1 >/tmp/mb.txt 2>&1
check "and pymodbus gives them back" is "values </tmp/mb.txt" "32=4321 33=8765 "
mb -a 4 -r 1 -c 2 -t 3 -1 >/tmp/mb.txt 2>&1
check "the meter (the SDM120 driver's) is refused to mbpoll: busy" \
	grep -q "Device or resource busy" /tmp/mb.txt
exit 0
