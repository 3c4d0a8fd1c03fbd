#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What `make demo` shows in the guest.
# shellcheck source=SCRIPTDIR/guest/lib.sh
. /lib/suite.sh

echo "=== the board: $(uname -r); the DT puts a Bluetooth controller on the PL011,"
echo "=== BlueZ's btvirt plays it. Nobody ran hciattach or btattach:"
check "hci0 registered at boot by btserdev" wait_for 30 test -e /sys/class/bluetooth/hci0
dmesg | grep -E 'btserdev|hci0' | sed 's/^/    /'
echo "=== BlueZ as users run it: the system bus and bluetoothd, then"
echo "=== bluetoothctl power on; bluetoothctl show"
check "dbus-daemon and bluetoothd started" bluez_start
check "bluetoothctl lists hci0" wait_for 30 sh -c 'bluetoothctl list | grep -q "^Controller"'
bluetoothctl power on >/tmp/power.txt 2>&1
check "bluetoothctl powered hci0 on" grep -q 'Changing power on succeeded' /tmp/power.txt
bluetoothctl show | sed 's/^/    /'
echo "=== a second controller of the same btvirt, on the FTDI adapter (ttyUSB0),"
echo "=== attached with upstream hci_uart (btattach) to have someone to talk to:"
check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
btattach -B /dev/ttyUSB0 -P h4 >/dev/null 2>&1 &
check "hci1 registered by btattach" wait_for 30 test -e /sys/class/bluetooth/hci1
check "hci1 up, page scan" hciconfig hci1 up piscan
peer=$(hciconfig hci1 | sed -n 's/.*BD Address: \([0-9A-F:]*\).*/\1/p')
echo "=== l2ping -i hci0 -c 3 $peer: ACL data both ways through btserdev"
l2ping -i hci0 -c 3 "$peer" | sed 's/^/    /'
hciconfig hci1 down
killall btattach
echo "=== the module's power and wake lines (gpio-sim) and its supply while up:"
echo "    enable=$(sim_line 0) reset=$(sim_line 1) device-wakeup=$(sim_line 2) vbat=$(regulator_state bt-vbat)"
sleep 3
echo "=== after 2 s idle (runtime autosuspend): device-wakeup=$(sim_line 2)," \
	"runtime status $(cat /sys/class/bluetooth/hci0/device/power/runtime_status)"
echo "=== driver counters (debugfs):"
sed 's/^/    /' /sys/kernel/debug/bluetooth/hci0/btserdev
hciconfig hci0 down
echo "=== hciconfig hci0 down: enable=$(sim_line 0) reset=$(sim_line 1) vbat=$(regulator_state bt-vbat)"
echo "=== KUnit: the fake serdev controller's suite"
modprobe serdev-fake-test && modprobe -r serdev-fake-test
dmesg | grep -E '# serdev-fake: pass' | sed 's/^.*\] /    /'
exit 0
