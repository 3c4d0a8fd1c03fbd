#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the board scenario: the overlays merged by the runner are in
# the live device tree and their devices probed.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

has_gpio_sim_bank() {
	grep -q 'parent: platform/gpio-sim, suite-gpio' /sys/kernel/debug/gpio
}
regulator_off() {
	for r in /sys/class/regulator/regulator.*; do
		[ "$(cat "$r/name")" = bt-vbat ] && [ "$(cat "$r/state" 2>/dev/null)" != enabled ] && return 0
	done
	return 1
}

check "DT: console on hvc0, the PL011 free" test -c /dev/ttyAMA0
check "DT: overlay node /gpio-sim in the live tree" test -d /proc/device-tree/gpio-sim
check "gpio-sim bank 'suite-gpio' probed" has_gpio_sim_bank
check "regulator bt-vbat registered and off" regulator_off
check "bt-vbat enable line (sim line 4) is low" \
	grep -qx 0 /sys/devices/platform/gpio-sim/gpiochip*/sim_gpio4/value
exit 0
