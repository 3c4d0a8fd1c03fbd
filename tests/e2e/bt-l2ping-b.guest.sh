#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Board B of bt-l2ping: connectable, answers board A's echo requests (the
# kernel's L2CAP does), and finishes once A's link has come and gone.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

connected() { hcitool con | grep -q ACL; }
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 up" wait_for 10 hciconfig hci0 up
check "page scan on" hciconfig hci0 pscan
check "board A connects" wait_for 150 connected
check "board A's link closes" wait_for 120 sh -c '! hcitool con | grep -q ACL'
acl=$(hciconfig hci0 | sed -n 's/.*RX bytes:[0-9]* acl:\([0-9]*\).*/\1/p')
echo "ACL packets received: $acl"
check "ACL data received from board A" test "${acl:-0}" -gt 0
exit 0
