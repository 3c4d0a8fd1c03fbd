#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the DE lateness benchmark: in each round, libmodbus on the
# bare tty with DE on gpio-sim line 5, then serdev-mux (bridged by
# serdev-ldisc) with de-gpios on the same line. gpiolib's gpio_value
# events time each DE pulse. One line a measurement:
#   BENCH who=user|mux round=R polls=N errors=E high_us=H1,H2,...
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

polls=$(cat /etc/suite/bench-polls)
rounds=$(cat /etc/suite/bench-rounds)
tr=/sys/kernel/debug/tracing
# The gpio-sim bank's chip and the global number of its line 5, from
# "gpiochipN: GPIOs BASE-END, parent: platform/gpio-sim, suite-gpio:".
bank=$(grep 'suite-gpio' /sys/kernel/debug/gpio | head -n 1)
chip=/dev/${bank%%:*}
base=$(echo "$bank" | sed -n 's/^gpiochip[0-9]*: GPIOs \([0-9]*\)-.*/\1/p')
de=$((${base:-0} + 5))

no_ldattach() { ! pidof ldattach >/dev/null; }
detach() { killall ldattach && wait_for 10 no_ldattach; }
sensor() { modbus_hwmon 1; }
no_sensor() { ! modbus_hwmon 1 >/dev/null; }
# trace_on: record DE's edges from now on; pulses WHO ROUND POLLS ERRORS:
# stop, and print the DE pulses recorded as one BENCH line.
trace_on() {
	echo 0 >$tr/tracing_on
	echo mono >$tr/trace_clock
	: >$tr/trace
	echo "gpio == $de" >$tr/events/gpio/gpio_value/filter
	echo 1 >$tr/events/gpio/gpio_value/enable
	echo 1 >$tr/tracing_on
}
pulses() {
	echo 0 >$tr/events/gpio/gpio_value/enable
	awk -v who="$1" -v round="$2" -v polls="$3" -v errors="$4" '
		/gpio_value:/ && / set / {
			for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) t = substr($i, 1, length($i) - 1)
			if ($NF == 1) up = t
			else if ($NF == 0 && up != "") { out = out sprintf("%s%.1f", sep, (t - up) * 1e6); sep = ","; up = "" }
		}
		END { printf "BENCH who=%s round=%s polls=%s errors=%s high_us=%s\n", who, round, polls, errors, out }' $tr/trace
}

check "load serdev-ldisc, serdev-mux and xymd02" modprobe -a serdev-ldisc serdev-mux xymd02
check "ttyAMA0 is a tty" test -c /dev/ttyAMA0
check "the gpio-sim chip and its line 5 ($chip, gpio $de)" test -c "$chip" -a -n "$base"
r=1
while [ "$r" -le "$rounds" ]; do
	trace_on
	mb-poll --de "$chip:5" /dev/ttyAMA0 19200 "$polls" 1 >/tmp/mb.out 2>&1
	rc=$?
	cat /tmp/mb.out
	errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' /tmp/mb.out)
	check "round $r: libmodbus polled (rc $rc)" test "$rc" = 0
	pulses user "$r" "$polls" "${errors:-$polls}"

	check "round $r: serdev-ldisc bridges the tty to the mux" ldattach 29 /dev/ttyAMA0
	check "round $r: the sensor probed" wait_for 30 sensor
	h=$(sensor)
	echo 0 >"$h/update_interval"
	cat "$h/temp1_input" >/dev/null
	trace_on
	read_sensors "$polls" "$h"
	pulses mux "$r" "$polls" "$(wc -l </tmp/errors)"
	check "round $r: the bridge let go" detach
	check "round $r: the sensor went" wait_for 10 no_sensor
	r=$((r + 1))
done
exit 0
