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
# The same BlueZ checks as for a plain controller, after the download.
# Once the core's auto-off has powered the module down, opening hci0 runs
# setup (and the download) again, then init: two downloads in all.
powered_off() { [ "$(btserdev_stat power)" = off ]; }
check "powered off after the core's auto-off" wait_for 20 powered_off
check "hciconfig hci0 up after the download" wait_for 20 hciconfig hci0 up
check "hci0 UP RUNNING" sh -c "hciconfig hci0 | grep -q 'UP RUNNING'"
btmgmt --index 0 info >/tmp/mgmt.txt 2>&1
cat /tmp/mgmt.txt
check "btmgmt info shows $expected" grep -qi "addr $expected" /tmp/mgmt.txt
hciconfig -a hci0
hciconfig hci0 down
# (The firmware loader itself notes the board-specific name it did not
# find; that is expected: the generic name follows.)
check "no command failed during setup" sh -c '! dmesg | grep -E "hci0: (command .* failed|.*damaged|no answer)"'
dmesg | grep -i 'btserdev\|hci0'
exit 0
