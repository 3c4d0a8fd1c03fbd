#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-faults: each fault gives the reader an error or a
# retried good value, is counted, and leaves the other slaves working.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

# read, not cat: busybox cat retries a failed sendfile with read.
fails() { ! read -r _ <"$1"; }
four() { [ -n "$(modbus_hwmon 4)" ] && [ -n "$(modbus_hwmon 3)" ] && [ -n "$(modbus_hwmon 2)" ] && [ -n "$(modbus_hwmon 1)" ]; }

check "four Modbus devices in hwmon" wait_for 60 four
check "slave 1: truncated answer retried, 21.5 C" is "cat $(modbus_hwmon 1)/temp1_input" 21500
check "slave 1: one bad frame counted" is "modbus_stat 1 bad_frames" 1
check "slave 2: collision retried, -3.5 C" is "cat $(modbus_hwmon 2)/temp1_input" -3500
check "slave 2: the damaged answer counted" \
	test "$(($(modbus_stat 2 crc_errors) + $(modbus_stat 2 bad_frames) + $(modbus_stat 2 wrong_slave)))" -ge 1
check "slave 3: exception 4 is an error for the reader" fails "$(modbus_hwmon 3)/temp1_input"
check "slave 3: one exception counted, not retried" \
	sh -c "[ $(modbus_stat 3 exceptions) = 1 ] && [ $(modbus_stat 3 retries) = 0 ]"
check "slave 3: next read works, 30.1 C" is "cat $(modbus_hwmon 3)/temp1_input" 30100
check "meter moved away: its reader gets an error" fails "$(modbus_hwmon 4)/in0_input"
check "meter: three timeouts counted" is "modbus_stat 4 timeouts" 3
check "the others keep working meanwhile: slave 1" is "cat $(modbus_hwmon 1)/humidity1_input" 40200
echo "METER MAY COME BACK"
m() { cat "$(modbus_hwmon 4)/in0_input"; }
check "meter back at its address: the bus recovers, 230.5 V" wait_for 30 is m 230500
check "no bytes arrived while nobody owned the bus" \
	is "cat /sys/kernel/debug/serdev-mux/serial0-0/rx_unowned" 0
exit 0
