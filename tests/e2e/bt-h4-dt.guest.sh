#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-h4-dt: the board's DT describes a plain H4 controller on
# the PL011; btserdev (loaded by coldplug, as udev would) registers hci0
# with no attach tool, and sequences the module's power on open and close.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

expected=$(cat /etc/suite/bdaddr 2>/dev/null)
check "the host gave the expected address" test -n "$expected"
line_is() { [ "$(sim_line "$1")" = "$2" ]; }
vbat_is() { [ "$(regulator_state bt-vbat)" = "$1" ]; }
driver_is_btserdev() {
	[ "$(basename "$(readlink /sys/class/bluetooth/hci0/device/driver)")" = btserdev ]
}
powered_off() { line_is 0 0 && line_is 1 1 && line_is 2 0 && vbat_is disabled; }
powered_on() { line_is 0 1 && line_is 1 0 && line_is 2 1 && vbat_is enabled; }

check "no tty left on the PL011 (serdev owns it)" test ! -e /dev/ttyAMA0
check "hci0 registered at boot, no attach tool" wait_for 20 test -e /sys/class/bluetooth/hci0
check "hci0 is bound to btserdev" driver_is_btserdev
# The core powers a new controller up for its init, then off after 2 s.
check "module powered off after the core's auto-off" wait_for 10 powered_off

check "hciconfig hci0 up" hciconfig hci0 up
check "power on: enable 1, reset 0, wake 1, vbat enabled" powered_on
check "hci0 UP RUNNING with btvirt's address $expected (hciconfig, btmgmt)" \
	hci_answers "$expected"

# Runtime PM: idle releases device-wakeup; traffic and host-wakeup resume.
stat() { btserdev_stat "$1"; }
rpm_is() { [ "$(cat /sys/class/bluetooth/hci0/device/power/runtime_status)" = "$1" ]; }
check "idle: runtime suspended, device-wakeup released" \
	wait_for 10 rpm_is suspended
check "idle: device-wakeup line low" line_is 2 0
resumes=$(stat pm_resumes)
check "traffic (hciconfig version) while suspended" hciconfig hci0 version
check "traffic resumed the device" test "$(stat pm_resumes)" -gt "$resumes"
check "suspended again after the idle delay" wait_for 10 rpm_is suspended
resumes=$(stat pm_resumes)
wakes=$(stat host_wakes)
# more_than COUNTER BASE: the counter, read again at each call, is above BASE.
more_than() { [ "$(stat "$1")" -gt "$2" ]; }
pull=$(echo /sys/devices/platform/gpio-sim/gpiochip*/sim_gpio3/pull)
echo pull-up >"$pull"
check "host-wakeup edge taken" wait_for 5 more_than host_wakes "$wakes"
check "host-wakeup resumed the device" wait_for 5 more_than pm_resumes "$resumes"
echo pull-down >"$pull"
check "suspended again after host-wakeup" wait_for 10 rpm_is suspended

# System sleep (suspend to idle, woken by the PL031 RTC's alarm) with the
# device awake: the device-wakeup line is released for the sleep and
# taken again after it, and hci0 keeps working.
autosuspend=/sys/class/bluetooth/hci0/device/power/autosuspend_delay_ms
echo 60000 >"$autosuspend"
check "traffic wakes the device for the system sleep" hciconfig hci0 version
check "awake: device-wakeup line high" line_is 2 1
suspends=$(stat pm_suspends)
resumes=$(stat pm_resumes)
check "suspend to idle for 2 s, woken by the RTC" rtcwake -m freeze -s 2
check "the kernel went through suspend and resume" \
	sh -c "dmesg | grep -q 'PM: suspend entry (s2idle)' && dmesg | grep -q 'PM: suspend exit'"
check "the system sleep suspended the device" test "$(stat pm_suspends)" -gt "$suspends"
check "and resumed it" test "$(stat pm_resumes)" -gt "$resumes"
check "awake again after resume: device-wakeup line high" line_is 2 1
check "hci0 answers after resume" hciconfig hci0 version
btmgmt --index 0 info >/tmp/mgmt2.txt 2>&1
check "btmgmt info after resume shows $expected" grep -qi "addr $expected" /tmp/mgmt2.txt
echo 2000 >"$autosuspend"
check "suspended again after the idle delay" wait_for 10 rpm_is suspended

check "no receive errors against a clean controller" no_rx_errors
cat /sys/kernel/debug/bluetooth/hci0/btserdev

check "hciconfig hci0 down" hciconfig hci0 down
check "power off: enable 0, reset 1, wake 0, vbat disabled" powered_off

check "rmmod btserdev removes hci0" sh -c 'rmmod btserdev && ! test -e /sys/class/bluetooth/hci0'
check "modprobe btserdev brings hci0 back" modprobe btserdev
check "hci0 registered again" wait_for 20 test -e /sys/class/bluetooth/hci0
check "hci0 up again after rebind" wait_for 10 hciconfig hci0 up
hciconfig hci0 down
exit 0
