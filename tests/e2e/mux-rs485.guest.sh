#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of mux-rs485: four slaves on one UART through serdev-mux.
# Values are those the host simulator serves; faults were armed there.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

mux=/sys/kernel/debug/serdev-mux/serial0-0
iio=/sys/bus/iio/devices/iio:device0

waits() { cat "$mux"/port@*/waits | awk '{s += $1} END {print s}'; }

check "the mux registered five ports" grep -q '^0$' "$mux/bad_ports"
check "the mux drives DE on its GPIO" is "cat $mux/direction" gpio
check "the DE line is taken by the mux" gpio_taken de
check "SCD30 probed on port 0x61 (IIO device)" wait_for 100 test -e "$iio/in_concentration_co2_raw"
check "three XY-MD02 hwmon devices" wait_for 50 modbus_hwmon 3

# Upstream scd30_serial, unmodified, on a virtual port.
check "SCD30 CO2 = 612.5 ppm" is "cat $iio/in_concentration_co2_raw" 61250
check "SCD30 temperature = 23.25 C" is "cat $iio/in_temp_input" 23250
check "SCD30 humidity = 45.5 %" is "cat $iio/in_humidityrelative_input" 45500

# Slave 1: the first answer has a bad CRC; the retry gets the value.
check "slave 1 temperature 21.5 C (after a CRC error)" is "cat $(modbus_hwmon 1)/temp1_input" 21500
check "slave 1 humidity 40.2 %" is "cat $(modbus_hwmon 1)/humidity1_input" 40200
check "slave 1: one CRC error counted" is "modbus_stat 1 crc_errors" 1
# Slave 3: another address answers first.
check "slave 3 temperature 30.1 C (after a wrong address)" is "cat $(modbus_hwmon 3)/temp1_input" 30100
check "slave 3: one wrong-slave answer counted" is "modbus_stat 3 wrong_slave" 1
# Slave 2 loses five requests: the first read (three attempts) fails with
# a timeout, not a stale or made-up value; the next one recovers.
# (read, not cat: busybox cat retries a failed sendfile with read.)
check "slave 2: first read fails (timeout)" sh -c "! read -r v <$(modbus_hwmon 2)/temp1_input"
check "slave 2: three timeouts counted" is "modbus_stat 2 timeouts" 3
check "slave 2 recovers: -3.5 C" is "cat $(modbus_hwmon 2)/temp1_input" -3500
check "slave 2 humidity 88.0 %" is "cat $(modbus_hwmon 2)/humidity1_input" 88000

# Everyone at once: the SCD30 polls while each sensor is read, uncached,
# by its own reader; no request is damaged, every answer reaches its own
# reader.
for n in 1 2 3; do echo 0 >"$(modbus_hwmon $n)/update_interval"; done
# The silent interval is watched in the mux's own events: bytes from the
# UART and a frame handed to it, with its port's interval.
trace_start serdev_mux serdev_mux_rx serdev_mux_tx_start
pids=""
for n in 1 2 3; do
	f=$(modbus_hwmon $n)/temp1_input
	(
		i=0
		while [ $i -lt 15 ]; do cat "$f"; i=$((i + 1)); done >/tmp/xy$n.txt 2>&1
	) &
	pids="$pids $!"
done
i=0
while [ $i -lt 5 ]; do
	cat $iio/in_concentration_co2_raw >>/tmp/co2.txt 2>&1
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
# From the last byte received to the next frame: never less than the
# interval of the port that sends it.
check "every frame after a reply kept its port's silent interval (from the mux's events)" \
	silent_intervals serdev_mux serdev_mux_rx serdev_mux_tx_start 20
cat /tmp/xy1.txt /tmp/xy2.txt /tmp/xy3.txt >/tmp/xy.txt
check "SCD30 read 5 times during the sensor traffic, all 61250" \
	is "sort -u /tmp/co2.txt" 61250
check "45 sensor reads, each its own value" \
	is "sort /tmp/xy.txt | uniq -c | awk '{print \$1\":\"\$2}' | tr '\n' ' '" \
	"15:-3500 15:21500 15:30100 "
grep . "$mux"/port@*/waits
check "ports waited for each other (contention)" test "$(waits)" -ge 1
check "no bytes arrived while nobody owned the bus" is "cat $mux/rx_unowned" 0

# The SDM120 on port 4 (9600 baud, the others 19200): one block read of
# float32 registers.
meter=$(grep -l '^sdm120$' /sys/class/hwmon/*/name | head -n 1)
meter=${meter%/name}
check "SDM120 registered in hwmon" test -n "$meter"
check "SDM120 voltage 230.5 V" is "cat $meter/in0_input" 230500
check "SDM120 current 1.25 A" is "cat $meter/curr1_input" 1250
check "SDM120 power 288.125 W" is "cat $meter/power1_input" 288125000
check "SDM120 energy 1234.5 kWh" is "cat $meter/energy1_input" 4444200000000000
check "SDM120 line frequency 50 Hz (the meter's device)" is "cat $meter/device/line_frequency" 50000
check "no freq1_input in hwmon (not an hwmon attribute)" test ! -e "$meter/freq1_input"
check "port 4 runs at its own speed" is "cat $mux/port@4/baud" 9600

sensors >/tmp/sensors.txt 2>&1
cat /tmp/sensors.txt
check "sensors shows three xymd02 devices" is "grep -c ^xymd02 /tmp/sensors.txt" 3
check "sensors prints slave 1's +21.5 C and 40.2 %" \
	sh -c "grep -q '+21.5.C' /tmp/sensors.txt && grep -q '40.2 %' /tmp/sensors.txt"

# Calibration is root's: nobody's write is refused, root's (the positive
# control) is applied.
h1=$(modbus_hwmon 1)
nobody_offsets() {
	! as_nobody "echo 1000 >$h1/temp1_offset" 2>/dev/null &&
		! as_nobody "echo 1000 >$h1/humidity1_offset" 2>/dev/null
}
check "nobody cannot write the XY-MD02's offsets" nobody_offsets
check "root can" sh -c "echo 0 >$h1/temp1_offset && echo 0 >$h1/humidity1_offset"
exit 0
