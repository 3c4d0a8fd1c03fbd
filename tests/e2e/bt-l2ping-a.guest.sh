#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Board A of bt-l2ping: ping board B's controller over L2CAP.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

remote=$(cat /etc/suite/remote)
# l2ping exits 0 even when no echo came back: read its summary.
ping_remote() {
	l2ping -c 5 -s 200 -t 10 "$remote" >/tmp/l2ping.txt 2>&1
	grep -q '^5 sent, 5 received, 0% loss' /tmp/l2ping.txt
}
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 up" wait_for 10 hciconfig hci0 up
check "l2ping $remote: 5 echoes of 200 bytes" wait_for 90 ping_remote
cat /tmp/l2ping.txt
check "no receive errors" no_rx_errors
# Tell board B we are done: it watches for our connection to go away.
hciconfig hci0 down
exit 0
