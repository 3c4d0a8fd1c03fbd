#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-acl.sh. hci0 (btserdev on the PL011) is the fixed peer.
# The controller under test is the one behind ttyUSB0, driven in turn by
# upstream hci_uart (btattach) and by btserdev (ldattach through
# serdev-ldisc); each round measures both, alternating, and prints
#   BENCH-ACL: DRIVER RTT_MS TX_S RX_S
# RTT_MS: median l2ping round trip (44 bytes, flood); TX_S, RX_S: seconds for
# l2test to carry FRAMES frames of 672 bytes from, and to, the controller
# under test. /etc/suite/proto, when there, names the transport: h5 for
# bt-acl.sh --h5, where both drivers are serdev clients on serdev-ldisc,
# each from its own overlay (upstream hci_h5's: /etc/suite/bt-ref.dtbo);
# h4 otherwise.
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

rounds=$(cat /etc/suite/rounds)
frames=$(cat /etc/suite/frames)
proto=$(cat /etc/suite/proto 2>/dev/null || echo h4)
size=672
fail() { echo "bt-acl: $*"; hciconfig -a; dmesg | tail -n 20; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }
hcis() { for _h in /sys/class/bluetooth/hci*; do [ -e "$_h" ] && basename "$_h"; done; }
hcis_are() { [ "$(hcis | wc -l)" = "$1" ]; }
# dut_hci: the controller that is not hci0.
dut_hci() { hcis | grep -vx hci0; }
# transfer FROM TO TO_ADDR: seconds for $frames frames from FROM to TO.
transfer() {
	wait_for 20 no_links || return 1
	l2test -r -i "$2" >/tmp/l2r.log 2>&1 &
	_r=$!
	usleep 300000
	_t0=$(now)
	# -g: the sender keeps the channel open once it has written; it is
	# stopped when the receiver has every frame. (A close right away sends
	# L2CAP's Disconnect Request, signalling with top priority, ahead of
	# frames still queued for btvirt's single ACL buffer: they are lost.)
	l2test -s -g 600000 -i "$1" -b $size -N "$frames" "$3" >/tmp/l2s.log 2>&1 &
	_s=$!
	_done=1
	until [ "$(grep -c "$size bytes in" /tmp/l2r.log)" -ge "$frames" ]; do
		usleep 20000
		_t1=$(now)
		_done=$(echo "$_t0 $_t1" | awk '{ print ($2 - $1 < 120) }')
		[ "$_done" = 1 ] || break
	done
	_t1=$(now)
	kill "$_r" "$_s" 2>/dev/null
	wait "$_r" "$_s" 2>/dev/null
	if [ "$_done" != 1 ] || grep -q mismatch /tmp/l2r.log; then
		cat /tmp/l2s.log /tmp/l2r.log >&2
		return 1
	fi
	echo "$_t0 $_t1" | awk '{ printf "%.2f\n", $2 - $1 }'
}
# rtt FROM TO_ADDR: median round trip of 100 back-to-back l2ping echoes.
rtt() {
	wait_for 20 no_links || return 1
	l2ping -i "$1" -f -c 100 -s 44 "$2" >/tmp/l2ping.txt 2>&1
	grep -q '^100 sent, 100 received' /tmp/l2ping.txt || return 1
	sed -n 's/.* time \([0-9.]*\)ms$/\1/p' /tmp/l2ping.txt | sort -n |
		awk '{ t[NR] = $1 } END { printf "%.2f\n", (t[50] + t[51]) / 2 }'
}
measure() {
	wait_for 30 hcis_are 2 || fail "$1: no second controller"
	_d=$(dut_hci)
	hciconfig "$_d" up piscan || fail "$1: $_d does not come up"
	_a=$(bdaddr "$_d")
	_rtt=$(rtt "$_d" "$peer") || fail "$1: l2ping failed: $(cat /tmp/l2ping.txt)"
	_tx=$(transfer "$_d" hci0 "$peer") || fail "$1: l2test to hci0 failed"
	_rx=$(transfer hci0 "$_d" "$_a") || fail "$1: l2test from hci0 failed"
	echo "BENCH-ACL: $1 $_rtt $_tx $_rx"
	# Detach only once the link is gone: btvirt does not tell hci0 when
	# the other side resets, and a stale link would meet the next driver.
	wait_for 20 no_links || fail "$1: the link stays"
}

modprobe -a serdev-ldisc dtbo-configfs || fail "modprobe"
wait_for 30 test -e /sys/class/bluetooth/hci0 || fail "no hci0"
wait_for 30 test -c /dev/ttyUSB0 || fail "no ttyUSB0"
hciconfig hci0 up piscan || fail "hci0 does not come up"
peer=$(bdaddr hci0)
# attach_ref / detach_ref: upstream's driver on ttyUSB0, on and off.
attach_ref() {
	if [ "$proto" = h5 ]; then
		overlay_apply ref /etc/suite/bt-ref.dtbo || fail "overlay ref"
		ldattach 29 /dev/ttyUSB0 || fail "ldattach (ref)"
	else
		btattach -B /dev/ttyUSB0 -P "$proto" >/dev/null 2>&1 &
	fi
}
detach_ref() {
	if [ "$proto" = h5 ]; then
		killall ldattach
		wait_for 15 hcis_are 1 || fail "hci_h5's controller stays"
		overlay_remove ref || fail "overlay ref stays"
	else
		killall btattach
		wait_for 15 hcis_are 1 || fail "hci_uart's controller stays"
	fi
}
[ "$proto" = h5 ] || { overlay_apply dut /etc/suite/bt-ttyusb0.dtbo || fail "overlay"; }
i=0
while [ $i -lt "$rounds" ]; do
	i=$((i + 1))
	attach_ref
	measure hci_uart
	detach_ref

	if [ "$proto" = h5 ]; then
		overlay_apply dut /etc/suite/bt-ttyusb0.dtbo || fail "overlay"
	fi
	ldattach 29 /dev/ttyUSB0 || fail "ldattach"
	measure btserdev
	killall ldattach
	wait_for 15 hcis_are 1 || fail "btserdev's controller stays"
	[ "$proto" != h5 ] || overlay_remove dut || fail "overlay dut stays"
done
exit 0
