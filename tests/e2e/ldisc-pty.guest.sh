#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of ldisc-pty: btvirt behind a pseudo-terminal, attached with
# util-linux's ldattach through serdev-ldisc.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

cycles=$(cat /etc/suite/cycles)
hci_up() { test -e /sys/class/bluetooth/hci0; }
hci_is_btserdev() {
	[ "$(basename "$(readlink /sys/class/bluetooth/hci0/device/driver)")" = btserdev ]
}
hci_gone() { test ! -e /sys/class/bluetooth/hci0; }
logged() { dmesg | grep -q "$1"; }
# ldattach stays in the background as a daemon while attached.
ldattach_bg() { ldattach 29 /dev/ttyBT; }
no_ldattach() { ! pidof ldattach >/dev/null; }
no_relay() { ! pidof pty-relay >/dev/null; }
# A pty's line discipline lives until both ends are closed: detaching
# means ending ldattach and the relay that holds the master.
ldattach_stop() {
	killall ldattach pty-relay 2>/dev/null
	wait_for 10 no_ldattach && wait_for 10 no_relay
}
relay_start() {
	rm -f /dev/ttyBT
	pty-relay /tmp/bt-server-bredr /dev/ttyBT 2>/tmp/pty.name &
	wait_for 10 test -L /dev/ttyBT
}
second_refused() {
	! ldattach 29 /dev/ttyBT 2>/tmp/ld2.err && cat /tmp/ld2.err &&
		grep -qi busy /tmp/ld2.err
}

check "load serdev-ldisc, dtbo-configfs and btserdev" \
	modprobe -a serdev-ldisc dtbo-configfs btserdev
pty_param=/sys/module/serdev_ldisc/parameters/pty
check "ptys are not bridged unless the administrator says so" is "cat $pty_param" N
pty_allow_nobody() { ! as_nobody "echo 1 >$pty_param" 2>/dev/null && is "cat $pty_param" N; }
pty_allow_root() { echo 1 >"$pty_param" && is "cat $pty_param" Y; }
check "nobody cannot allow them" pty_allow_nobody
check "root can" pty_allow_root
base=$(serdev_devices)
mkdir -p /tmp
btvirt -s >/tmp/btvirt.log 2>&1 &
check "btvirt listens in the guest" wait_for 10 test -S /tmp/bt-server-bredr
check "a pty pair joined to btvirt" relay_start
check "its slave is /dev/pts/0" is "cat /tmp/pty.name" /dev/pts/0

check "no node for pts0: ldattach refused" sh -c '! ldattach 29 /dev/ttyBT 2>/dev/null'
check "the refusal names the node" logged 'no /serdev-ldisc/pts0 node'
check "overlay: an H4 controller behind pts0" \
	overlay_apply bt /etc/suite/bt-pts0.dtbo

# Privilege: the same attach as nobody, on a pty nobody may open, is
# refused in the line discipline's open; root's (below) is the control.
chmod 0666 /dev/pts/0
check "nobody may open pts0" as_nobody 'exec 3<>/dev/pts/0'
nobody_refused() {
	! as_nobody 'ldattach 29 /dev/pts/0' 2>/tmp/ld-nobody.err &&
		cat /tmp/ld-nobody.err && grep -qi 'not permitted' /tmp/ld-nobody.err
}
check "ldattach as nobody is refused: not permitted" nobody_refused
no_new_device() { ! hci_up && [ "$(serdev_devices)" = "$base" ]; }
check "no hci0, no serdev device from it" no_new_device
pty_off_refused() {
	echo 0 >"$pty_param"
	! ldattach 29 /dev/ttyBT 2>/dev/null
	_rc=$?
	echo 1 >"$pty_param"
	return "$_rc"
}
check "with pty=0, root's ldattach is refused too" pty_off_refused
check "the refusal says why" logged 'pts0 is a pseudo-terminal: not bridged'

# Another program holds pts0: not bridged (modem-control, break and serial
# settings ioctls reach the tty core, never a line discipline, so nobody
# else may hold a bridged line). Root's attach below is the control.
held_refused() {
	hold_open /dev/pts/0 || return 1
	! ldattach 29 /dev/ttyBT 2>/tmp/ld-held.err
	_rc=$?
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null
	cat /tmp/ld-held.err
	return "$_rc"
}
check "pts0 open in another program: ldattach refused" held_refused
check "the refusal says why" logged 'pts0 is open in another program: not bridged'
check "ldattach 29 /dev/ttyBT" ldattach_bg
check "hci0 appears" wait_for 30 hci_up
check "hci0 is btserdev's" hci_is_btserdev
check "hciconfig hci0 up" hciconfig hci0 up
check "hci0 UP RUNNING with btvirt's address, through the pty" hci_answers 00:AA:01
nobody_open_busy() {
	! as_nobody 'exec 3<>/dev/pts/0' 2>/tmp/open-nobody.err &&
		cat /tmp/open-nobody.err && grep -qi busy /tmp/open-nobody.err
}
check "bridged pts0 is exclusive: nobody's open is refused, busy" nobody_open_busy
check "root may still open it" sh -c 'exec 3<>/dev/pts/0'
check "a second ldattach is refused: busy" second_refused
check "the refusal says why" logged 'pts0 is bridged: its line settings belong to its serdev client'
check "hci0 is still up after it" sh -c "hciconfig hci0 | grep -q 'UP RUNNING'"
check "detach: ldattach and the relay end" ldattach_stop
check "hci0 goes on detach" wait_for 15 hci_gone
check "the bridge let go of pts0" logged 'serdev-ldisc: pts0 released'

# The overlay goes while the bridge is attached: the tty is hung up,
# which removes the client before its node is freed.
check "a new pair" relay_start
check "attach again" ldattach_bg
check "hci0 is back" wait_for 30 hci_up
check "remove the overlay while hci0 is bound" overlay_remove bt
check "hci0 goes with the overlay" wait_for 15 hci_gone
check "the bridge says why" logged 'pts0: .* leaves the tree; letting go'
ldattach_stop

ok=0
i=0
while [ $i -lt "$cycles" ]; do
	i=$((i + 1))
	overlay_apply bt /etc/suite/bt-pts0.dtbo || continue
	relay_start && ldattach_bg
	wait_for 30 hci_up && overlay_remove bt && wait_for 15 hci_gone &&
		[ "$(serdev_devices)" = "$base" ] && ok=$((ok + 1))
	ldattach_stop
	[ -d /sys/kernel/config/device-tree/overlays/bt ] && overlay_remove bt
done
echo "overlay apply/remove cycles: $ok of $cycles clean"
check "$cycles overlay apply/remove cycles with hci0 bound" test "$ok" = "$cycles"

check "overlay applied for the attach cycles" overlay_apply bt /etc/suite/bt-pts0.dtbo
ok=0
i=0
while [ $i -lt "$cycles" ]; do
	i=$((i + 1))
	relay_start && ldattach_bg && wait_for 30 hci_up && ldattach_stop && wait_for 15 hci_gone &&
		[ "$(serdev_devices)" = "$base" ] && ok=$((ok + 1))
	ldattach_stop
done
echo "ldattach attach/detach cycles: $ok of $cycles clean"
check "$cycles ldattach attach/detach cycles" test "$ok" = "$cycles"
check "overlay removed" overlay_remove bt
check "no tty refcount warning" sh -c "! dmesg | grep -q 'tty->count'"
check "unload serdev-ldisc" modprobe -r serdev-ldisc
exit 0
