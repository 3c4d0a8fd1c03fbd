#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-bare-uart: the meter on the bare PL011.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

meter() { grep -l '^sdm120$' /sys/class/hwmon/*/name 2>/dev/null | head -n 1 | sed 's#/name$##'; }

meter_probed() { [ -n "$(meter)" ]; }
check "the meter probed on the bare UART" wait_for 60 meter_probed
m=$(meter)
d=/sys/kernel/debug/serdev-modbus/$(basename "$(readlink -f "$m/device")")
check "no serdev-mux involved: its module is not even loaded" test ! -e /sys/module/serdev_mux
check "nothing sent before the first read" is "cat $d/requests" 0
# One read(2): busybox cat falls back from sendfile(2) to read(2) after an
# error, which would read the attribute a second time.
first_read_fails() {
	! dd if="$m/in0_input" bs=64 count=1 2>/tmp/read.err && cat /tmp/read.err &&
		grep -q 'Remote I/O error' /tmp/read.err
}
check "the first read fails with the slave's exception (EREMOTEIO)" first_read_fails
check "exception: counted, not retried" \
	sh -c "[ \$(cat $d/exceptions) = 1 ] && [ \$(cat $d/retries) = 0 ] && [ \$(cat $d/requests) = 1 ]"
# The block read next stays fresh for a minute, however slow this machine
# is, so that the energy check below can only be served from it.
echo 60000 >"$m/update_interval"
check "voltage 230.5 V on the next read, on its third try" is "cat $m/in0_input" 230500
check "cut short: counted, retried" is "cat $d/bad_frames" 1
check "bad CRC: counted, retried" is "cat $d/crc_errors" 1
check "two retries, four requests in all" \
	sh -c "[ \$(cat $d/retries) = 2 ] && [ \$(cat $d/requests) = 4 ]"
check "energy 1234.5 kWh from the same block, no new request" \
	sh -c "r=\$(cat $d/requests); [ \$(cat $m/energy1_input) = 4444200000000000 ] && [ \$(cat $d/requests) = \$r ]"
echo 0 >"$m/update_interval"
# Two readers at once, so that a request waits for the answer before it and
# goes right after it: only the library's wait keeps the silent interval.
trace_start serdev_modbus serdev_modbus_rx serdev_modbus_tx_start
reads() { i=0; while [ $i -lt 10 ]; do read -r v <"$m/curr1_input" && echo "$v"; i=$((i + 1)); done; }
reads >/tmp/curr1.txt &
r1=$!
reads >/tmp/curr2.txt
wait "$r1"
cat /tmp/curr1.txt /tmp/curr2.txt >/tmp/curr.txt
check "20 more reads, all 1.25 A" is "sort /tmp/curr.txt | uniq -c | awk '{print \$1\":\"\$2}'" 20:1250
check "each request after a reply kept the 3.5-character interval (from the library's events)" \
	silent_intervals serdev_modbus serdev_modbus_rx serdev_modbus_tx_start 15
check "no further errors" \
	sh -c "[ \$(cat $d/timeouts) = 0 ] && [ \$(cat $d/crc_errors) = 1 ] && [ \$(cat $d/bad_frames) = 1 ] && [ \$(cat $d/exceptions) = 1 ]"
exit 0
