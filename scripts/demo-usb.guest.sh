#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What `make demo` shows of hot-plugged USB-serial adapters: devices appear
# when the adapter is plugged in and go when it is unplugged.
# shellcheck source=SCRIPTDIR/guest/lib.sh
. /lib/suite.sh

sensors_up() { modbus_hwmon 1 >/dev/null && modbus_hwmon 4 >/dev/null; }
sensors_gone() { ! modbus_hwmon 4 >/dev/null; }
hci_up() { test -e /sys/class/bluetooth/hci0; }
hci_gone() { test ! -e /sys/class/bluetooth/hci0; }
log_since() { dmesg | awk -v n="$1" 'NR > n' | grep -E "$2" | sed 's/^.*\] /    /'; }

modprobe -a serdev-ldisc dtbo-configfs serdev-mux xymd02 sdm120 btserdev
qmp chardevs
echo "=== an overlay describes what sits behind a USB-serial adapter in xHCI port 1:"
echo "=== an RS485 bus with an XY-MD02 sensor and an SDM120 meter (no adapter plugged yet)"
check "overlay applied through configfs" overlay_apply sensors /etc/suite/usb-rs485-sensors.dtbo
n=$(dmesg | wc -l)
echo "=== plugging QEMU's FTDI adapter (QMP device_add); the host simulates the bus behind it"
check "adapter plugged" qmp plug-bus
check "the sensors probed, no ldattach, no udev rule" wait_for 30 sensors_up
log_since "$n" 'usb 1-1|ttyUSB0|serdev-ldisc|serdev-mux'
echo "=== sensors"
sensors | sed 's/^/    /'
n=$(dmesg | wc -l)
echo "=== unplugging it (QMP device_del)"
check "adapter unplugged" qmp unplug-bus
check "the sensors are gone" wait_for 15 sensors_gone
log_since "$n" 'usb 1-1|ttyUSB0|serdev-ldisc'

echo "=== a Bluetooth controller (BlueZ's btvirt on the host) behind an adapter in port 2"
check "overlay applied" overlay_apply bt /etc/suite/usb-bt-h4.dtbo
check "adapter plugged" qmp plug-bt
check "hci0 appears, no btattach" wait_for 30 hci_up
hciconfig hci0 up
hciconfig -a hci0 | sed 's/^/    /'
check "adapter unplugged" qmp unplug-bt
check "hci0 is gone" wait_for 15 hci_gone
exit 0
