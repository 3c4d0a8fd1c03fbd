#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-bcm-fw: the Broadcom back end downloads the firmware
# at the first setup, then the core's init runs against btvirt. Then the
# emulator becomes three other chips in turn, and each setup must pick
# the file btbcm names for it on a Raspberry Pi 4B.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

expected=$(cat /etc/suite/bdaddr 2>/dev/null)
check "the host gave the expected address" test -n "$expected"
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
# Setup (download included) and init run at registration; the core then
# powers the controller off after 2 s.
check "btbcm named the chip from its version, not its Local Name" \
	wait_for 60 sh -c "dmesg | grep -q \"BCM43430A1 'brcm/BCM43430A1.hcd' Patch\""
check "init finished through btvirt: address $expected" \
	wait_for 60 sh -c "hciconfig -a hci0 | grep -q 'BD Address: $expected'"
# The same BlueZ checks as for a plain controller, after the download.
# Once the core's auto-off has powered the module down, opening hci0 runs
# setup (and the download) again, then init: two downloads in all.
powered_off() { [ "$(btserdev_stat power)" = off ]; }
check "powered off after the core's auto-off" wait_for 20 powered_off
check "hciconfig hci0 up after the download" wait_for 20 hciconfig hci0 up
check "hci0 UP RUNNING" sh -c "hciconfig hci0 | grep -q 'UP RUNNING'"
check "the UART runs at max-speed, 3000000 baud" is "btserdev_stat uart_speed" 3000000
btmgmt --index 0 info >/tmp/mgmt.txt 2>&1
cat /tmp/mgmt.txt
check "btmgmt info shows $expected" grep -qi "addr $expected" /tmp/mgmt.txt
hciconfig -a hci0

# setup_again LOG: closing and opening hci0 powers the module down and
# up, and setup runs; its kernel messages go to LOG.
setup_again() {
	hciconfig hci0 down && echo "suite: setup for $1" >/dev/kmsg &&
		hciconfig hci0 up &&
		dmesg | sed -n "\\|suite: setup for $1|,\$p" >"$1"
}
# next_chip LOG: the emulator's own command 0xfcf0 swaps in its next
# chip, then setup_again LOG.
next_chip() {
	hcitool -i hci0 cmd 0x3f 0x0f0 >/tmp/switch.txt 2>&1 &&
		grep -q "01 F0 FC 00" /tmp/switch.txt && setup_again "$1"
}
patched() { grep -q "$1 'brcm/$2' Patch" "$3"; }
up() { hciconfig hci0 | grep -q 'UP RUNNING'; }

check "swapped in a BCM4345C0, set up again" next_chip /tmp/c0.log
check "BCM4345C0: the Pi 4B's own file first" \
	patched BCM4345C0 BCM4345C0.raspberrypi,4-model-b.hcd /tmp/c0.log
check "BCM4345C0: hci0 UP RUNNING" up

check "swapped in a BCM4345C5, set up again" next_chip /tmp/c5.log
check "BCM4345C5: its generic file (no board file)" \
	patched BCM4345C5 BCM4345C5.hcd /tmp/c5.log
check "BCM4345C5: hci0 UP RUNNING" up

check "swapped in a chip btbcm does not know, set up again" next_chip /tmp/unk.log
check "unknown chip: btbcm's generic names tried, none there" sh -c \
	"grep -q 'firmware Patch file not found' /tmp/unk.log &&
	 grep -q \"'brcm/BCM.raspberrypi,4-model-b.hcd'\" /tmp/unk.log &&
	 grep -q \"'brcm/BCM.hcd'\" /tmp/unk.log"
check "unknown chip: nothing downloaded" sh -c '! grep -q " Patch\$" /tmp/unk.log'
check "unknown chip: hci0 UP RUNNING on the ROM firmware" up

hciconfig hci0 down

# (The firmware loader notes each name it did not find, "firmware: failed
# to load": expected, the next name follows.)
check "no command failed during any setup" sh -c \
	'! dmesg | grep -v "firmware: failed to load" |
	 grep -E "hci0: .*(failed|damaged|no answer|corrupted|mismatch)"'
dmesg | grep -i 'btserdev\|hci0'
exit 0
