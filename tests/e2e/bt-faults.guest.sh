#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-faults: garbage on the line and a hardware error.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

up_running() { hciconfig hci0 | grep -q 'UP RUNNING'; }
only_hci0() { [ "$(ls /sys/class/bluetooth)" = hci0 ]; }

check "hci0 registered through the garbage" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hciconfig hci0 up through the garbage" wait_for 20 hciconfig hci0 up
check "stray bytes were skipped and counted" test "$(btserdev_stat rx_garbage_bytes)" -gt 0
check "refused headers were counted" test "$(btserdev_stat rx_bad_headers)" -gt 0
check "errors show in hdev stats (hciconfig errors)" sh -c \
	"hciconfig hci0 | grep 'RX bytes' | grep -qv 'errors:0'"
# Command 0xfcff makes the relay send a Hardware Error event.
check "no recovery before the first fault" is "btserdev_stat recoveries" 0
timeout 10 hcitool -i hci0 cmd 0x3f 0x0ff >/dev/null 2>&1
check "hardware error recovered once" wait_for 20 is "btserdev_stat recoveries" 1
check "same controller after recovery (no hci1)" only_hci0
check "hci0 UP RUNNING after recovery" wait_for 30 up_running
check "commands work after recovery" hciconfig hci0 version

# Read Transmit Power Level (0x0c2d) never reaches the controller: the
# core's command timer fires, btserdev resets the controller, same hci0.
# (Vendor commands from a raw socket bypass the command timer: a standard
# one is used.)
timeout 10 hcitool -i hci0 cmd 0x03 0x002d 0x00 0x00 0x00 >/dev/null 2>&1
check "command timeout recovered" wait_for 30 is "btserdev_stat recoveries" 2
check "same controller after the timeout (no hci1)" only_hci0
check "hci0 UP RUNNING after the timeout" wait_for 30 up_running
check "commands work after the timeout" hciconfig hci0 name

# Command 0xfcfe makes the relay a controller that sends a Hardware Error
# after every HCI Reset: each recovery fails again. Recoveries (hardware
# errors and command timeouts together) stop at 5 in a minute; the next
# is refused, counted, logged once, and the controller stays off.
check "no recovery refused yet" is "btserdev_stat recoveries_refused" 0
r0=$(btserdev_stat recoveries)
timeout 10 hcitool -i hci0 cmd 0x3f 0x0fe >/dev/null 2>&1
check "a looping controller is given up on" wait_for 60 is "btserdev_stat recoveries_refused" 1
r1=$(btserdev_stat recoveries)
echo "recoveries: $r0 before the loop, $r1 when given up"
check "after at most 5 recoveries in the minute (2 of them before the loop)" \
	test "$r1" -gt "$r0" -a "$r1" -le $((r0 + 5))
check "hci0 is down" sh -c "! hciconfig hci0 | grep -q 'UP RUNNING'"
check "and powered off" is "btserdev_stat power" off
sleep 5
check "no recovery since" is "btserdev_stat recoveries" "$r1"
check "nothing more refused: no more power cycles" is "btserdev_stat recoveries_refused" 1
check "giving up was logged once" is "dmesg | grep -c 'giving up: the controller stays off'" 1
cat /sys/kernel/debug/bluetooth/hci0/btserdev
dmesg | grep -E 'hci0|btserdev' | tail -n 12
exit 0
