#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-bluetoothd: dbus-daemon, bluetoothd, and one bluetoothctl
# session (as a user types it, through a FIFO) pairing btserdev's hci0 with
# hci1, both controllers of one btvirt.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

controllers() { bluetoothctl list 2>/dev/null | grep -c '^Controller'; }
two_listed() { [ "$(controllers)" = 2 ]; }
# say CMD...: one line into the bluetoothctl session; seen RE: in its output.
say() { echo "$*" >&3; }
seen() { grep -q "$1" /tmp/btctl.log; }
# info ADDR FIELD VALUE: the session's "info ADDR" shows FIELD: VALUE (the
# output is read after the command's own echo).
info_is() {
	_n=$(wc -l </tmp/btctl.log)
	say "info $1"
	wait_for 60 sh -c "tail -n +$((_n + 1)) /tmp/btctl.log | grep -q '$2: $3'"
}

check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 is btserdev's" is "driver hci0" btserdev
check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
btattach -B /dev/ttyUSB0 -P h4 >/tmp/btattach.log 2>&1 &
check "btattach registers hci1 (hci_uart)" wait_for 30 test -e /sys/class/bluetooth/hci1
a0=$(bdaddr hci0)
a1=$(bdaddr hci1)
echo "hci0 $a0, hci1 $a1"
check "two controllers of one btvirt" sh -c "[ -n '$a0' ] && [ -n '$a1' ] && [ '$a0' != '$a1' ]"

check "the system bus and bluetoothd started" bluez_start
check "bluetoothctl lists both controllers" wait_for 60 two_listed
bluetoothctl list
if ! two_listed; then
	ls -la /var/run /run/dbus
	cat /tmp/dbus.log /tmp/bluetoothd.log
	exit 1
fi

mkfifo /tmp/btin
bluetoothctl --agent NoInputNoOutput </tmp/btin >/tmp/btctl.log 2>&1 &
btctl=$!
exec 3>/tmp/btin
# The agent answers every yes/no question of the pairing (Just Works).
(
	_answered=0
	while kill -0 "$btctl" 2>/dev/null; do
		_asked=$(grep -c '(yes/no)' /tmp/btctl.log)
		if [ "$_asked" -gt "$_answered" ]; then
			echo yes >&3
			_answered=$((_answered + 1))
		fi
		usleep 200000
	done
) &
check "the agent is registered" wait_for 60 seen "Agent registered"

# Each step waits for bluetoothd's answer to the one before, as a user
# would: a controller that is not powered yet refuses discoverable and scan.
# The waits end as soon as the answer is there; 60 s is for a loaded host
# (a cold make test runs three boots at once on two cores).
say "select $a1"
say "power on"
check "hci1 powered on" wait_for 60 seen "Controller $a1 Powered: yes"
say "pairable on"
say "discoverable on"
check "hci1 discoverable" wait_for 60 seen "Controller $a1 Discoverable: yes"
say "select $a0"
say "power on"
check "hci0 (btserdev) powered on" wait_for 60 seen "Controller $a0 Powered: yes"
say "pairable on"
say "scan on"
check "hci0 finds hci1 by scanning" wait_for 60 seen "NEW.*Device $a1"
say "scan off"
check "hci0 stops scanning" wait_for 60 seen "Controller $a0 Discovering: no"
say "pair $a1"
check "hci0 pairs with hci1" wait_for 60 seen "Pairing successful"
check "hci0's side: hci1 paired" info_is "$a1" Paired yes
check "hci0's side: hci1 bonded" info_is "$a1" Bonded yes
say "select $a1"
check "hci1's side: hci0 paired" info_is "$a0" Paired yes
check "hci1's side: hci0 bonded" info_is "$a0" Bonded yes

# After pairing each side browses the other's services (SDP); a power-off
# in the middle of that makes bluetoothd log "error updating services".
# Users wait for it too: bluetoothctl shows ServicesResolved.
check "hci0's side resolved hci1's services" wait_for 60 seen "Device $a1 ServicesResolved: yes"
check "hci1's side resolved hci0's services" wait_for 60 seen "Device $a0 ServicesResolved: yes"

# The bond outlives a power cycle of btserdev's controller.
say "select $a0"
_n=$(wc -l </tmp/btctl.log)
say "power off"
check "hci0 powered off" wait_for 60 sh -c "tail -n +$((_n + 1)) /tmp/btctl.log | grep -q 'Controller $a0 Powered: no'"
say "power on"
check "hci0 powered on again" wait_for 60 sh -c "grep 'Controller $a0 Powered:' /tmp/btctl.log | tail -n 1 | grep -q yes"
check "after the power cycle: hci1 still bonded" info_is "$a1" Bonded yes

check "l2ping hci0 -> hci1 while bluetoothd manages both" pings hci0 "$a1" 5

say "quit"
exec 3>&-
wait "$btctl"
cat /tmp/btctl.log
kill "$BLUETOOTHD"
wait "$BLUETOOTHD"
echo "--- bluetoothd log"
cat /tmp/bluetoothd.log
check "bluetoothd logged no error" sh -c "! grep -i 'error' /tmp/bluetoothd.log"
exit 0
