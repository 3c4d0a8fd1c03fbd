#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What `make demo` shows in the guest.
# shellcheck source=SCRIPTDIR/guest/lib.sh
. /lib/suite.sh

echo "=== the board: $(uname -r), PL011 wired to BlueZ's btvirt"
echo "=== KUnit: the fake serdev controller's suite"
modprobe serdev-fake-test && modprobe -r serdev-fake-test
echo "=== legacy attach: btattach + upstream hci_uart H4 (the reference the suite replaces)"
btattach -B /dev/ttyAMA0 -P h4 >/tmp/btattach.log 2>&1 &
attach=$!
check "hci0 registered" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 up" hciconfig hci0 up
hciconfig -a hci0
hciconfig hci0 down
kill "$attach"
wait "$attach"
exit 0
