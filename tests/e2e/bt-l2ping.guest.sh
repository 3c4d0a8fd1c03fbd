#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-l2ping: hci0 is btserdev on the PL011, hci1 upstream
# hci_uart on the FTDI adapter; both are controllers of one btvirt.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

frames=100
size=672
# hci_acl HCI RX|TX: the ACL packet count in hciconfig's statistics.
hci_acl() {
	hciconfig "$1" | awk -v d="$2" \
		'$1 == d { sub("acl:", "", $3); print $3 }'
}
stream() { l2_stream "$1" "$2" "$3" "$frames" "$size"; }

check "load serdev-ldisc and dtbo-configfs" modprobe -a serdev-ldisc dtbo-configfs
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 is btserdev's" is "driver hci0" btserdev
check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
btattach -B /dev/ttyUSB0 -P h4 >/tmp/btattach.log 2>&1 &
check "btattach registers hci1 (hci_uart)" wait_for 30 test -e /sys/class/bluetooth/hci1
check "hci0 up, page and inquiry scan" hciconfig hci0 up piscan
check "hci1 up, page and inquiry scan" hciconfig hci1 up piscan
a0=$(bdaddr hci0)
a1=$(bdaddr hci1)
echo "hci0 $a0, hci1 $a1"
check "two controllers of one btvirt" sh -c "[ -n '$a0' ] && [ -n '$a1' ] && [ '$a0' != '$a1' ]"

check "l2ping from hci0 to hci1: 10 echoes" pings hci0 "$a1"
check "the link goes when l2ping ends" wait_for 20 no_links
check "l2ping from hci1 to hci0: 10 echoes" pings hci1 "$a0"
check "$frames frames of $size bytes from hci0 to hci1, in order and intact" \
	stream hci0 hci1 "$a1"
check "$frames frames of $size bytes from hci1 to hci0, in order and intact" \
	stream hci1 hci0 "$a0"
hciconfig hci0
hciconfig hci1
tx0=$(hci_acl hci0 TX)
rx0=$(hci_acl hci0 RX)
tx1=$(hci_acl hci1 TX)
rx1=$(hci_acl hci1 RX)
# 672 bytes of L2CAP payload take 4 ACL packets of at most 192 bytes.
check "btserdev sent the ACL packets ($tx0)" test "$tx0" -ge $((frames * 4))
# Everything one controller sends reaches the other: the counts match,
# so no packet was lost or counted twice on the way through btserdev.
check "hci0 received what hci1 sent, each once ($rx0 = $tx1)" test "$rx0" -eq "$tx1"
check "hci1 received what hci0 sent, each once ($rx1 = $tx0)" test "$rx1" -eq "$tx0"
check "no receive errors in btserdev" no_rx_errors
check "hci0 still answers" hci_answers "$a0"
# Let the last link go first: btvirt does not tell hci0 when the other
# side resets, and a stale link would meet the next controller.
check "the links are gone" wait_for 20 no_links
hciconfig hci1 down
killall btattach
check "hci1 goes when btattach ends" wait_for 10 test ! -e /sys/class/bluetooth/hci1

# The same UART, now btserdev's through serdev-ldisc: two btserdev
# controllers at once, talking to each other.
check "overlay: an H4 controller behind ttyUSB0" \
	overlay_apply dut /etc/suite/bt-ttyusb0.dtbo
check "ldattach 29 /dev/ttyUSB0" ldattach 29 /dev/ttyUSB0
check "a second btserdev controller registers as hci1" wait_for 30 test -e /sys/class/bluetooth/hci1
check "hci1 is btserdev's" is "driver hci1" btserdev
check "hci1 up" hciconfig hci1 up piscan
check "l2ping from btserdev's hci1 to btserdev's hci0" pings hci1 "$a0"
check "no receive errors in hci1" no_rx_errors hci1
hciconfig hci1 down
hciconfig hci0 down
killall ldattach
check "hci1 goes on detach" wait_for 15 test ! -e /sys/class/bluetooth/hci1
check "remove the overlay" overlay_remove dut
exit 0
