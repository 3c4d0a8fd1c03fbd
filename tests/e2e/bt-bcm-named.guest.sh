#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-bcm-named: firmware-name names a damaged file.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "the damaged named file is refused, with where it is damaged" wait_for 60 sh -c \
	'dmesg | grep -q "brcm/named-damaged.hcd is damaged at byte 4.* of 4.*: not loaded, running the ROM firmware"'
check "the file btbcm would name is not used" sh -c '! dmesg | grep -q "BCM43430A1.hcd"'
powered_off() { [ "$(btserdev_stat power)" = off ]; }
check "powered off after the core's auto-off" wait_for 20 powered_off
check "hciconfig hci0 up on the ROM firmware" hciconfig hci0 up
check "hci0 UP RUNNING" sh -c "hciconfig hci0 | grep -q 'UP RUNNING'"
hciconfig hci0 down
check "refused at each setup, once each" is \
	"dmesg | grep -c 'named-damaged.hcd is damaged'" 2
exit 0
