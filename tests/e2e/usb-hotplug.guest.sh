#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of usb-hotplug. No ldattach, no udev rule: serdev-ldisc
# attaches the adapters that an overlay describes.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

cycles=$(cat /etc/suite/cycles)
sensors_up() { modbus_hwmon 1 >/dev/null && modbus_hwmon 4 >/dev/null; }
sensors_gone() { ! modbus_hwmon 1 >/dev/null && ! modbus_hwmon 4 >/dev/null; }
meter_up() { modbus_hwmon 4 >/dev/null; }
meter_gone() { ! modbus_hwmon 4 >/dev/null; }
hci_up() { test -e /sys/class/bluetooth/hci0; }
# On failure, what QEMU has plugged goes to the relay's log.
hci_appears() { wait_for 30 hci_up && return 0; qmp info; return 1; }
hci_is_btserdev() {
	[ "$(basename "$(readlink /sys/class/bluetooth/hci0/device/driver)")" = btserdev ]
}
hci_gone() { test ! -e /sys/class/bluetooth/hci0; }
tty_up() { test -c /dev/ttyUSB0; }
tty_gone() { test ! -e /dev/ttyUSB0; }
# A userspace open of the adapter's tty: refused while it is bridged.
tty_free() { (exec 3<>/dev/ttyUSB0) 2>/dev/null; }
tty_taken() { ! tty_free; }
all_gone() { tty_gone && sensors_gone; }
ldattach_refused() {
	! ldattach 29 /dev/ttyUSB0 2>/tmp/ldattach.err && grep -qi busy /tmp/ldattach.err
}
# USB core holds the position node of a device it found at plug time until
# the device is released, which follows the unplug by a moment; removing
# the overlay before that makes the OF core report the node in use.
usb_settle() { sleep 2; }
logged() { dmesg | grep -q "$1"; }

# The drivers are loaded up front, as udev would load them on the clients'
# uevents.
check "load serdev-ldisc, dtbo-configfs and the client drivers" \
	modprobe -a serdev-ldisc dtbo-configfs serdev-mux xymd02 sdm120 modbus-tty btserdev
base=$(serdev_devices)
check "QMP chardev-add: the bus simulator and btvirt" qmp chardevs

# Position: port 1 of the board's xHCI.
check "overlay: an RS485 bus behind xHCI port 1" \
	overlay_apply sensors /etc/suite/usb-rs485-sensors.dtbo
check "the kernel's tree has the node" \
	test -e /proc/device-tree/pcie@10000000/usb@2,0/device@5/rs485/port@4/meter/compatible
check "plug the adapter (device_add)" qmp plug-bus
check "ttyUSB0 appears" wait_for 20 tty_up
check "the sensors probe behind it, no ldattach" wait_for 30 sensors_up
check "the bridge names the USB node" logged 'ttyUSB0 bridged to .*usb@2,0/device@5'
check "XY-MD02 temperature 21.5 C" is "cat $(modbus_hwmon 1)/temp1_input" 21500
check "SDM120 voltage 230.5 V" is "cat $(modbus_hwmon 4)/in0_input" 230500
check "ttyMB0 for userspace masters on the bus" wait_for 10 test -c /dev/ttyMB0
sensors
check "a bridged tty cannot be opened from userspace" tty_taken
check "ldattach on it fails: busy" ldattach_refused

# Unplug while the meter is being read.
m=$(modbus_hwmon 4)
echo 0 >"$m/update_interval"
# reader FILE: read the meter in a loop, one line in FILE for each read.
reader() { while read -r _ <"$m/in0_input"; do echo >>"$1"; done 2>/dev/null; }
# mid_read PID FILE: the reader is still running and has read since FILE
# was last looked at (so the unplug below comes under traffic).
mid_read() {
	_n=$(wc -l <"$2")
	usleep 300000
	kill -0 "$1" 2>/dev/null && [ "$(wc -l <"$2")" -gt "$_n" ]
}
: >/tmp/reads
reader /tmp/reads &
reader=$!
# And a userspace master polling slave 10 through modbus-tty.
mbpoll -m rtu -b 9600 -P none -0 -o 1 -a 10 -r 1 -c 2 -t 3 -l 50 /dev/ttyMB0 \
	>/tmp/mbu.txt 2>&1 &
mbp=$!
sleep 1
check "the reader is mid-read" mid_read "$reader" /tmp/reads
# (mbpoll's output is buffered until it exits: modbus-tty's count shows it.)
mb_answered() { [ "$(cat /sys/kernel/debug/serdev-modbus-tty/*/answers)" -gt 0 ]; }
check "mbpoll is polling slave 10 through ttyMB0" wait_for 10 mb_answered
check "unplug under traffic (device_del)" qmp unplug-bus
check "the sensors are removed" wait_for 15 sensors_gone
check "ttyUSB0 goes" wait_for 15 tty_gone
check "ttyMB0 goes, though mbpoll holds it" wait_for 15 test ! -e /dev/ttyMB0
wait "$reader" 2>/dev/null
mb_failing() { kill -0 "$mbp" && sleep 1 && tail -n 5 /tmp/mbu.txt | grep -qi "error\|failed"; }
check "mbpoll's polls fail on the hung-up tty" wait_for 10 mb_failing
kill -INT "$mbp"
wait "$mbp"
tail -n 4 /tmp/mbu.txt
check "mbpoll had read slave 10's 19.5 C before the unplug" grep -q '^\[1\]:[[:space:]]*195' /tmp/mbu.txt
check "the bridge was detached before the tty went" logged 'serdev-ldisc: ttyUSB0 detached'
check "serdev devices back to $base" is serdev_devices "$base"

# Plug/unplug cycles under traffic.
ok=0
i=0
while [ $i -lt "$cycles" ]; do
	i=$((i + 1))
	qmp plug-bus || continue
	if wait_for 30 sensors_up; then
		m=$(modbus_hwmon 4)
		echo 0 >"$m/update_interval"
		: >/tmp/reads
		reader /tmp/reads &
		reader=$!
		# A cycle counts only if its unplug came while the reader read.
		if mid_read "$reader" /tmp/reads; then
			qmp unplug-bus && wait_for 15 sensors_gone && wait_for 15 tty_gone &&
				[ "$(serdev_devices)" = "$base" ] && ok=$((ok + 1))
		else
			echo "cycle $i: the reader was not reading"
			qmp unplug-bus
			wait_for 15 tty_gone
		fi
		wait "$reader" 2>/dev/null
	else
		qmp unplug-bus
		wait_for 15 tty_gone
	fi
done
echo "plug/unplug cycles under traffic: $ok of $cycles clean"
check "$cycles plug/unplug cycles, clients back to zero each time" test "$ok" = "$cycles"

# Unplugged again at once: mid-probe, or before the port was bridged.
check "plug" qmp plug-bus
check "unplug at once" qmp unplug-bus
check "nothing is left behind" wait_for 15 all_gone
check "serdev devices back to $base after the mid-probe unplug" wait_for 5 is serdev_devices "$base"
usb_settle
check "remove the overlay with the adapter out" overlay_remove sensors

# A tty open in userspace is not taken away.
check "plug the adapter with no overlay for it" qmp plug-bus
check "ttyUSB0 appears, left alone" wait_for 20 tty_up
check "a program holds ttyUSB0 open" hold_open /dev/ttyUSB0
holder=$HOLDER
check "overlay applied while ttyUSB0 is open in userspace" \
	overlay_apply sensors /etc/suite/usb-rs485-sensors.dtbo
check "the bridge says why it does not attach" wait_for 10 logged 'ttyUSB0: .* it is open in userspace: not bridged'
check "the sensors did not probe" sensors_gone
kill "$holder"
wait "$holder" 2>/dev/null
check "overlay removed" overlay_remove sensors
check "applied again once the tty is closed" \
	overlay_apply sensors /etc/suite/usb-rs485-sensors.dtbo
check "now the sensors probe (overlay applied after the plug)" wait_for 30 sensors_up

# The overlay goes while its devices are bound: they are removed, and
# userspace gets the tty back.
check "remove the overlay while they are bound" overlay_remove sensors
check "the sensors are removed with the overlay" wait_for 15 sensors_gone
check "ttyUSB0 stays, free for userspace" tty_free
check "serdev devices back to $base without the overlay" is serdev_devices "$base"
check "unplug" qmp unplug-bus
check "ttyUSB0 goes" wait_for 15 tty_gone

# Identity: a serial number names the adapter in whichever port it is in.
check "overlay: a meter behind the adapter with serial SUITE0001" \
	overlay_apply meter /etc/suite/usb-meter-by-serial.dtbo
check "plug an adapter with another serial number" qmp plug-bus-other
check "its tty appears" wait_for 20 tty_up
sleep 2
check "it is left alone: free for userspace" tty_free
check "no meter" meter_gone
check "unplug it" qmp unplug-bus-id
check "its tty goes" wait_for 15 tty_gone
check "plug SUITE0001 into port 3" qmp plug-bus-id
check "the meter probes behind it" wait_for 30 meter_up
check "SDM120 energy through it" is "cat $(modbus_hwmon 4)/energy1_input" 4444200000000000
check "remove the identity overlay while the meter is bound" overlay_remove meter
check "the meter is removed" wait_for 15 meter_gone
check "the adapter's tty is free for userspace" tty_free
check "unplug SUITE0001" qmp unplug-bus-id
check "its tty goes" wait_for 15 tty_gone

# A Bluetooth controller (btvirt) behind an adapter in port 2.
check "overlay: an H4 controller behind xHCI port 2" \
	overlay_apply bt /etc/suite/usb-bt-h4.dtbo
check "plug the adapter with btvirt behind it" qmp plug-bt
check "hci0 appears, no btattach" hci_appears
check "hci0 is btserdev's" hci_is_btserdev
check "hciconfig hci0 up" hciconfig hci0 up
check "hci0 UP RUNNING with btvirt's address (hciconfig, btmgmt)" hci_answers 00:AA:01
check "unplug it while hci0 is up" qmp unplug-bt
check "hci0 goes" wait_for 15 hci_gone
check "plug it again" qmp plug-bt
check "hci0 comes back" wait_for 30 hci_up
check "unplug" qmp unplug-bt
check "hci0 goes again" wait_for 15 hci_gone
usb_settle
check "remove the Bluetooth overlay" overlay_remove bt

# An identity node without a serial number matches both of two identical
# adapters: the first gets it, the second is refused, naming both.
meters() { grep -l '^sdm120$' /sys/class/hwmon/*/name 2>/dev/null | wc -l; }
check "overlay: a meter behind any FTDI adapter (no serial number)" \
	overlay_apply anyftdi /etc/suite/usb-meter-any-ftdi.dtbo
check "plug a first adapter" qmp plug-bus
check "the meter probes behind it" wait_for 30 meter_up
check "plug a second, identical adapter" qmp plug-bt
check "the second is refused, naming both" \
	wait_for 20 logged 'ttyUSB1: /serdev-ldisc/adapter-any-ftdi describes it, but ttyUSB0 has it already'
check "one meter, not two" is meters 1
not_blamed_on_userspace() { ! logged 'ttyUSB1: .* it is open in userspace'; }
check "and the refusal is not put down to userspace" not_blamed_on_userspace
check "the second adapter's tty is free for userspace" sh -c '(exec 3<>/dev/ttyUSB1)'
unplug_both() { qmp unplug-bt && qmp unplug-bus; }
no_usb_tty() { ! ls /dev/ttyUSB* >/dev/null 2>&1; }
check "unplug both" unplug_both
check "no tty left" wait_for 15 no_usb_tty
usb_settle
check "remove the overlay" overlay_remove anyftdi

check "no tty refcount warning" sh -c "! dmesg | grep -q 'tty->count'"
check "no device tree refcount error" sh -c "! dmesg | grep -q 'OF: ERROR'"
check "serdev devices back to $base at the end" is serdev_devices "$base"
check "unload serdev-ldisc" modprobe -r serdev-ldisc
exit 0
