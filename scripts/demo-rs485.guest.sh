#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What `make demo` shows of the RS485 bus: four devices on one UART.
# shellcheck source=SCRIPTDIR/guest/lib.sh
. /lib/suite.sh

mux=/sys/kernel/debug/serdev-mux/serial0-0
iio=/sys/bus/iio/devices/iio:device0
echo "=== one PL011, one serdev-mux, five ports: upstream's scd30_serial on port 0x61,"
echo "=== three XY-MD02 sensors on ports 1-3, an SDM120 meter on port 4. The host simulates the bus."
check "SCD30 probed on its port" wait_for 100 test -e "$iio/in_concentration_co2_raw"
three_sensors() { [ "$(cat /sys/class/hwmon/*/name | grep -c xymd02)" = 3 ]; }
check "three sensors in hwmon" wait_for 50 three_sensors
dmesg | grep -E 'serdev-mux|scd30' | sed 's/^.*\] /    /'
echo "=== sensors"
sensors | sed 's/^/    /'
echo "=== the SCD30 through IIO, on the same UART:"
echo "    CO2 $(cat $iio/in_concentration_co2_raw)e-2 ppm, $(cat $iio/in_temp_input) m°C," \
	"$(cat $iio/in_humidityrelative_input) m%RH"
echo "=== per-port counters (debugfs serdev-mux/serial0-0/port@N):"
for p in "$mux"/port@*; do
	echo "    $(basename "$p"): tx $(cat "$p/tx_bytes") B, rx $(cat "$p/rx_bytes") B," \
		"$(cat "$p/transactions") transactions, $(cat "$p/selects") selects," \
		"$(cat "$p/waits") waits, silent interval $(cat "$p/silent_interval_us") us"
done
exit 0
