#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-bare-uart: the meter on the bare PL011.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

meter() { grep -l '^sdm120$' /sys/class/hwmon/*/name 2>/dev/null | head -n 1 | sed 's#/name$##'; }

check "the meter probed on the bare UART" wait_for 60 test -n "$(meter)"
m=$(meter)
d=/sys/kernel/debug/serdev-modbus/$(basename "$(readlink -f "$m/device")")
check "no serdev-mux involved" test ! -e /sys/kernel/debug/serdev-mux/serial0-0
check "voltage 230.5 V after a damaged answer" is "cat $m/in0_input" 230500
check "the damaged answer counted as cut short, one retry" \
	sh -c "[ \$(cat $d/bad_frames) = 1 ] && [ \$(cat $d/retries) = 1 ]"
check "energy 1234.5 kWh from the same block, no new request" \
	sh -c "r=\$(cat $d/requests); [ \$(cat $m/energy1_input) = 4444200000000000 ] && [ \$(cat $d/requests) = \$r ]"
echo 0 >"$m/update_interval"
i=0
while [ $i -lt 20 ]; do cat "$m/curr1_input" >>/tmp/curr.txt; i=$((i + 1)); done
check "20 more reads, all 1.25 A" is "sort -u /tmp/curr.txt" 1250
check "no further errors" \
	sh -c "[ \$(cat $d/timeouts) = 0 ] && [ \$(cat $d/crc_errors) = 0 ] && [ \$(cat $d/bad_frames) = 1 ]"
exit 0
