#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of btvirt-btattach: upstream hci_uart H4 attached by btattach.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

expected=$(cat /etc/suite/bdaddr 2>/dev/null)
check "the host gave the expected address" test -n "$expected"
check "PL011 is a plain tty (/dev/ttyAMA0)" test -c /dev/ttyAMA0
btattach -B /dev/ttyAMA0 -P h4 >/tmp/btattach.log 2>&1 &
attach=$!
check "btattach registers hci0" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hciconfig hci0 up" hciconfig hci0 up
hciconfig -a hci0 >/tmp/hci0.txt 2>&1
cat /tmp/hci0.txt
check "hci0 is UP RUNNING" grep -q 'UP RUNNING' /tmp/hci0.txt
check "hci0 has btvirt's address $expected" grep -q "BD Address: $expected" /tmp/hci0.txt
hciconfig hci0 down
kill "$attach"
wait "$attach"
exit 0
