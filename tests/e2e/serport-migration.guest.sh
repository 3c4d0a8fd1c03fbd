#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of serport-migration.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

# below PATTERN DEV: the first sysfs entry matching PATTERN whose device
# lies below the serio port of the serdev device DEV.
below() {
	# shellcheck disable=SC2086 # the pattern expands here
	for _x in $1; do
		case $(readlink -f "$_x") in */"$2"/serio*)
			echo "$_x"
			return 0 ;;
		esac
	done
	return 1
}
serio_port() { below '/sys/bus/serio/devices/serio*' "$1"; }
has_port() { serio_port "$1" >/dev/null; }
no_port() { ! serio_port "$1" >/dev/null; }
# kbd_event DEV: the evdev node of the keyboard on serdev device DEV.
kbd_event() {
	_e=$(below '/sys/class/input/event*' "$1") && echo "/dev/input/${_e##*/}"
}
has_kbd() { kbd_event "$1" >/dev/null; }
# key_seen EVDEV CODE: a press of key CODE arrives within 5 s. Events are
# 24 bytes on arm64: time (16), type, code (u16), value (s32).
key_seen() {
	timeout 5 dd if="$1" bs=24 count=40 2>/dev/null | od -An -v -w24 -tu2 |
		awk -v code="$2" '$9 == 1 && $10 == code && $11 == 1 { found = 1 }
			END { exit !found }'
}
# caps_led EVDEV: turn the caps lock LED on (EV_LED 0x11, LED_CAPSL 1, 1).
caps_led() {
	printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\021\0\001\0\001\0\0\0' >"$1"
}
kbd_name() { cat "$(dirname "$(readlink -f "/sys/class/input/${1##*/}")")/name"; }

# The board's way: the PL011's node has the keyboard; coldplug loads the
# driver, as udev would.
check "serport-serdev registers a serio port for the PL011's node" wait_for 20 has_port serial0-0
p=$(serio_port serial0-0)
check "of type RS232 (2)" is "cat $p/id/type" 02
check "with the node's serio-proto (SERIO_SUNKBD, 0x10)" is "cat $p/id/proto" 10
check "sunkbd binds and the keyboard answers its reset" wait_for 10 has_kbd serial0-0
ev=$(kbd_event serial0-0)
check "a Sun Type 5 keyboard (its layout byte came back)" is "kbd_name $ev" "Sun Type 5 keyboard"
check "its key strokes arrive through evdev: KEY_A (30)" key_seen "$ev" 30
check "caps lock LED sent to the keyboard" caps_led "$ev"

# The userspace way: the same driver behind a USB-serial adapter, attached
# with ldattach and a node naming ttyUSB0.
check "load serdev-ldisc and dtbo-configfs" modprobe -a serdev-ldisc dtbo-configfs
check "overlay: the keyboard behind ttyUSB0" \
	overlay_apply keyboard /etc/suite/serport-ttyusb0.dtbo
check "QMP chardev-add" qmp chardevs
check "plug the adapter" qmp plug-kbd
check "ttyUSB0 appears" wait_for 20 test -c /dev/ttyUSB0
check "ldattach 29 /dev/ttyUSB0" ldattach 29 /dev/ttyUSB0
# the serdev client behind the adapter (the PL011's is serial0-0)
other_client() {
	for _d in /sys/bus/serial/devices/serial*-*; do
		[ "${_d##*/}" != serial0-0 ] && [ -e "$_d" ] && { echo "${_d##*/}"; return 0; }
	done
	return 1
}
check "a serdev client behind the adapter" wait_for 10 other_client
ctrl=$(other_client)
check "a second serio port, behind the adapter ($ctrl)" wait_for 10 has_port "$ctrl"
q=$(serio_port "$ctrl")
check "its protocol is SERIO_SUNKBD too" is "cat $q/id/proto" 10
check "sunkbd binds to it" wait_for 10 has_kbd "$ctrl"
ev2=$(kbd_event "$ctrl")
check "a second Sun Type 5 keyboard" is "kbd_name $ev2" "Sun Type 5 keyboard"
check "its key strokes arrive: KEY_S (31)" key_seen "$ev2" 31
check "caps lock LED sent through the adapter" caps_led "$ev2"
check "detach: ldattach ends" killall ldattach
check "the keyboard behind the adapter goes" wait_for 15 no_port "$ctrl"
check "the PL011's keyboard stays" has_kbd serial0-0
check "unplug the adapter" qmp unplug-kbd
check "overlay removed" overlay_remove keyboard
check "unload serport-serdev: the PL011's keyboard goes" modprobe -r serport-serdev
check "no serio port left" wait_for 5 no_port serial0-0
exit 0
