#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-bcm-fw: the Broadcom back end downloads the firmware
# at the first setup, then the core's init runs against btvirt.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

expected=$(cat /etc/suite/bdaddr 2>/dev/null)
check "the host gave the expected address" test -n "$expected"
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
# Setup (download included) and init run at registration; the core then
# powers the controller off after 2 s.
check "firmware file found and loaded" \
	wait_for 60 sh -c 'dmesg | grep -q "firmware brcm/BCM43430A1.hcd"'
check "init finished through btvirt: address $expected" \
	wait_for 60 sh -c "hciconfig -a hci0 | grep -q 'BD Address: $expected'"
# (The firmware loader itself notes the board-specific name it did not
# find; that is expected: the generic name follows.)
check "no command failed during setup" sh -c '! dmesg | grep -E "hci0: (command .* failed|.*damaged|no answer)"'
hciconfig -a hci0
dmesg | grep -i 'btserdev\|hci0'
exit 0
