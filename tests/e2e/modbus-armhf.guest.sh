#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-armhf: the meter on the 32-bit board.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

meter() { grep -l '^sdm120$' /sys/class/hwmon/*/name 2>/dev/null | head -n 1 | sed 's#/name$##'; }
meter_probed() { [ -n "$(meter)" ]; }

check "a 32-bit board: uname -m is armv7l" is "uname -m" armv7l
check "the meter probed on the bare UART" wait_for 60 meter_probed
m=$(meter)
check "voltage 231.5 V" is "cat $m/in0_input" 231500
check "current 31.5 A" is "cat $m/curr1_input" 31500
check "energy 12,345 kWh in full (energy64: 4.4442e16 uJ)" is "cat $m/energy1_input" 44442000000000000
check "power 7.3 kW saturates at LONG_MAX microwatts, no error" is "cat $m/power1_input" 2147483647
check "the saturation is logged once" is "dmesg | grep -c 'beyond a long here: saturated'" 1
check "a second read: the same value, no second message" \
	sh -c "[ \$(cat $m/power1_input) = 2147483647 ] && [ \$(dmesg | grep -c 'beyond a long here') = 1 ]"
check "line frequency 50 Hz" is "cat $m/device/line_frequency" 50000
exit 0
