# SPDX-License-Identifier: GPL-2.0
# Helpers for guest scenario scripts (sourced as /lib/suite.sh).
# Every check prints one line; the host counts them and reads the verdict.
# shellcheck shell=sh

SUITE_FAILURES=/run/suite-failures

# check DESCRIPTION COMMAND...: run COMMAND, report ok/not ok.
check() {
	_desc=$1
	shift
	if "$@"; then
		echo "SUITE-CHECK: ok $_desc"
	else
		echo "SUITE-CHECK: not ok $_desc"
		echo "$_desc" >>"$SUITE_FAILURES"
	fi
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}

# load_module NAME: load a suite module shipped by the runner, with the
# modules it depends on.
load_module() {
	modprobe "$1"
}

# sim_line N: value of line N of the board's simulated GPIO bank (the
# value the consumer drives on an output).
sim_line() {
	cat /sys/devices/platform/gpio-sim/gpiochip*/sim_gpio"$1"/value
}

# as_nobody COMMAND: run COMMAND (one shell string) as the unprivileged
# user nobody (uid 65534); its exit status is COMMAND's. A refusal checked
# with it needs a positive control: the same action done as root.
as_nobody() {
	grep -q '^nobody:' /etc/passwd ||
		echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
	su -s /bin/sh nobody -c "$1"
}

# hold_open DEV: a program of its own holds DEV open (for 60 s) in the
# background; returns once it has DEV open, its pid in HOLDER.
hold_open() {
	sleep 60 <>"$1" &
	HOLDER=$!
	wait_for 5 sh -c "readlink /proc/$HOLDER/fd/0 | grep -qx '$(readlink -f "$1")'"
}

# trace_start SYSTEM RX TX: record SYSTEM's events RX (bytes from the UART)
# and TX (a frame goes to the UART; its last field is gap_us=N, the silent
# interval it had to keep), on the clock the drivers keep intervals with.
trace_start() {
	_tr=/sys/kernel/debug/tracing
	echo mono >$_tr/trace_clock
	: >$_tr/trace
	echo 1 >"$_tr/events/$1/$2/enable" && echo 1 >"$_tr/events/$1/$3/enable"
}

# silent_intervals SYSTEM RX TX MIN: stop recording; every TX that follows
# an RX came at least its gap_us after it (strictly: no margin), and there
# were at least MIN such pairs. Prints the count and the least margin.
silent_intervals() {
	_tr=/sys/kernel/debug/tracing
	echo 0 >"$_tr/events/$1/enable"
	awk -v rx=" $2: " -v tx=" $3: " -v min="$4" '
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) t = substr($i, 1, length($i) - 1) }
		index($0, rx) { last = t; after_rx = 1 }
		index($0, tx) {
			if (after_rx) {
				g = $NF; sub("gap_us=", "", g); g += 0
				m = (t - last) * 1e6 - g
				if (++pairs == 1 || m < least) least = m
				if (m < 0) { bad++; printf "gap %.0f us < %d us\n", (t - last) * 1e6, g }
			}
			after_rx = 0
		}
		END { printf "silent intervals after a reply: %d, too short: %d, least margin %.0f us\n", pairs, bad, least
		      exit !(pairs >= min && bad == 0) }' "$_tr/trace"
}

# gpio_taken LABEL: a gpio-sim line is requested under LABEL (a consumer's
# con_id: "de" for the mux's DE line).
gpio_taken() { grep -q "^ gpio-[0-9]* ($1)" /sys/kernel/debug/gpio; }

# bluez_start: the system bus (the guest's own configuration, root only)
# and bluetoothd, as users run them; exports DBUS_SYSTEM_BUS_ADDRESS and
# sets BLUETOOTHD to bluetoothd's pid. dbus-daemon looks up each peer's
# groups: root needs its passwd and group entries.
bluez_start() {
	[ -e /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
	[ -e /etc/group ] || echo 'root:x:0:' >/etc/group
	mkdir -p /run/dbus
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
	dbus-daemon --config-file=/etc/dbus-1/system.conf --nofork --nopidfile >/tmp/dbus.log 2>&1 &
	wait_for 10 test -S /run/dbus/system_bus_socket || return 1
	/usr/libexec/bluetooth/bluetoothd -n >/tmp/bluetoothd.log 2>&1 &
	# shellcheck disable=SC2034 # read by the scripts that call it
	BLUETOOTHD=$!
}

# kprobe_count NAME FUNCTION: count calls of FUNCTION (a kernel function
# without a tracepoint) from now on, as kprobe event NAME.
kprobe_count() {
	_tr=/sys/kernel/debug/tracing
	echo "p:suite/$1 $2" >>$_tr/kprobe_events && echo 1 >"$_tr/events/suite/$1/enable"
}

# kprobe_hits NAME: the calls counted so far; "missed" if the kprobe missed
# any (then the count is not the number of calls).
kprobe_hits() {
	awk -v n="$1" '$1 == n || $1 == "suite/" n { print ($3 == 0 ? $2 : "missed") }' \
		/sys/kernel/debug/tracing/kprobe_profile
}

# regulator_state NAME: "enabled" or "disabled".
regulator_state() {
	for _r in /sys/class/regulator/regulator.*; do
		if [ "$(cat "$_r/name")" = "$1" ]; then
			cat "$_r/state"
			return 0
		fi
	done
	echo missing
}

# btserdev_stat NAME [HCI]: one of btserdev's debugfs counters.
btserdev_stat() {
	sed -n "s/^$1 //p" "/sys/kernel/debug/bluetooth/${2:-hci0}/btserdev"
}

# is COMMAND EXPECTED: COMMAND (one shell string) prints exactly EXPECTED.
is() { [ "$(eval "$1")" = "$2" ]; }

# modbus_hwmon ADDR: the hwmon directory of the Modbus slave at ADDR (from
# its device tree node's modbus-address).
modbus_hwmon() {
	for _h in /sys/class/hwmon/hwmon*; do
		[ "$(od -An -tu1 "$_h/device/of_node/modbus-address" 2>/dev/null |
			awk '{print $4}')" = "$1" ] && { echo "$_h"; return 0; }
	done
	return 1
}

# modbus_hwmons K: the hwmon directories of the Modbus slaves at 1..K.
modbus_hwmons() { for _a in $(seq 1 "$1"); do modbus_hwmon "$_a"; done; }

# read_sensors N DIR...: one reader a hwmon directory, each reading its
# temp1_input N times with the cache off (the shell's read builtin: no fork
# a poll), all at once; returns when all are done. Failed reads: a line
# each in /tmp/errors.
read_sensors() {
	_n=$1
	shift
	: >/tmp/errors
	_pids=""
	for _h; do
		(
			echo 0 >"$_h/update_interval"
			_i=0
			while [ $_i -lt "$_n" ]; do
				read -r _ <"$_h/temp1_input" || echo e >>/tmp/errors
				_i=$((_i + 1))
			done
		) &
		_pids="$_pids $!"
	done
	# shellcheck disable=SC2086
	wait $_pids
}

# modbus_stat ADDR COUNTER: a serdev-modbus counter of that slave (debugfs).
modbus_stat() {
	cat "/sys/kernel/debug/serdev-modbus/$(basename "$(readlink -f "$(modbus_hwmon "$1")/device")")/$2"
}

# bdaddr HCI: the controller's address; driver HCI: the driver bound to it.
bdaddr() { hciconfig "$1" | sed -n 's/.*BD Address: \([0-9A-F:]*\).*/\1/p'; }
driver() { basename "$(readlink "/sys/class/bluetooth/$1/device/driver")"; }

# pings HCI ADDR [N]: l2ping from HCI to ADDR, N echoes (10), all back.
# (l2ping exits 0 even when no echo came back: its summary is read.)
pings() {
	l2ping -i "$1" -c "${3:-10}" -f -s 44 -t 30 "$2" >/tmp/l2ping.txt 2>&1
	cat /tmp/l2ping.txt
	grep -q "^${3:-10} sent, ${3:-10} received, 0% loss" /tmp/l2ping.txt
}

# no_links: no ACL link on any controller. The link of one test goes a
# few seconds after its sockets close: the next waits for it rather than
# reuse a link that is being torn down.
no_links() {
	for _h in /sys/class/bluetooth/hci*; do
		[ -e "$_h" ] || continue
		[ -z "$(hcitool -i "${_h##*/}" con | sed 1d)" ] || return 1
	done
}

# l2_stream FROM TO TO_ADDR FRAMES SIZE: l2test sends FRAMES frames of
# SIZE bytes from FROM to TO (a sequence number and a fill pattern, both
# checked by the receiver); all must arrive intact within 60 s.
l2_received() { [ "$(grep -c "$2 bytes in" /tmp/l2r.log)" -ge "$1" ]; }
l2_stream() {
	wait_for 20 no_links || return 1
	l2test -r -i "$2" >/tmp/l2r.log 2>&1 &
	_r=$!
	usleep 500000
	# -g: the sender keeps the channel open once it has written; it is
	# stopped when the receiver has every frame. (A close right away sends
	# L2CAP's Disconnect Request, signalling with top priority, ahead of
	# frames still queued for btvirt's single ACL buffer: they are lost.)
	l2test -s -g 600000 -i "$1" -b "$5" -N "$4" "$3" >/tmp/l2s.log 2>&1 &
	_s=$!
	wait_for 60 l2_received "$4" "$5"
	_ok=$?
	kill "$_r" "$_s" 2>/dev/null
	wait "$_r" "$_s" 2>/dev/null
	grep -c "$5 bytes in" /tmp/l2r.log
	grep mismatch /tmp/l2r.log && return 1
	return "$_ok"
}

# hci_answers ADDR: hci0 is UP RUNNING with the address ADDR (a prefix
# will do) in hciconfig -a, and btmgmt info shows it too; both outputs go
# to the console.
hci_answers() {
	hciconfig -a hci0 >/tmp/hci0.txt 2>&1
	btmgmt --index 0 info >/tmp/mgmt.txt 2>&1
	cat /tmp/hci0.txt /tmp/mgmt.txt
	grep -q 'UP RUNNING' /tmp/hci0.txt && grep -q "BD Address: $1" /tmp/hci0.txt &&
		grep -qi "addr $1" /tmp/mgmt.txt
}

# no_rx_errors [HCI]: btserdev saw no garbage and refused no header.
no_rx_errors() {
	[ "$(btserdev_stat rx_garbage_bytes "$@")" = 0 ] &&
		[ "$(btserdev_stat rx_bad_headers "$@")" = 0 ]
}

# Ask kmemleak for a scan once the scenario's allocations are old enough
# to be judged (its minimum object age is 5 s), and report what it found.
# The write returns when the scan is over; kmemleak switched off (EPERM)
# or missing fails, and the runner wants the "scan done" line.
kmemleak_check() {
	grep -q 'suite.nokmemleak=1' /proc/cmdline && return 0
	[ ! -e /run/suite-kmemleak-scanned ] || return 0
	_kml=/sys/kernel/debug/kmemleak
	if [ ! -w "$_kml" ]; then
		echo "kmemleak: $_kml is missing: the kernel has no kmemleak"
		return 1
	fi
	sleep 6
	if ! echo scan >"$_kml"; then
		echo "kmemleak: the scan failed (kmemleak disabled?)"
		return 1
	fi
	_leaks=$(cat "$_kml") || { echo "kmemleak: its report cannot be read"; return 1; }
	echo "SUITE-KMEMLEAK: scan done"
	[ -z "$_leaks" ] && return 0
	echo "$_leaks"
	return 1
}

# kmemleak_check_early: the verdict's scan, done now by a scenario that is
# about to lock the kernel down (which closes debugfs): a check of its own.
kmemleak_check_early() {
	kmemleak_check && : >/run/suite-kmemleak-scanned
}

# suite_finish RC: final verdict line read by the host runner.
suite_finish() {
	_rc=$1
	[ -e "$SUITE_FAILURES" ] && _rc=1
	if ! kmemleak_check; then
		echo "SUITE-CHECK: not ok kmemleak found leaks or did not scan"
		_rc=1
	fi
	if [ "$_rc" = 0 ]; then
		echo "SUITE-VERDICT: pass"
	else
		echo "SUITE-VERDICT: fail ($_rc)"
	fi
}

# qmp ACTION: have the host's qmp-relay run ACTION (device_add, device_del,
# ...) and wait until QEMU has done it.
qmp() {
	if [ -z "${SUITE_CTL:-}" ]; then
		for _p in /sys/class/virtio-ports/*; do
			[ "$(cat "$_p/name" 2>/dev/null)" = suite.ctl ] &&
				SUITE_CTL=/dev/${_p##*/}
		done
		[ -n "${SUITE_CTL:-}" ] || { echo "qmp: no suite.ctl port"; return 1; }
		exec 7<>"$SUITE_CTL"
	fi
	echo "$1" >&7
	read -r _reply <&7
	[ "$_reply" = ok ] && return 0
	echo "qmp $1: $_reply"
	return 1
}

# overlay_apply NAME DTBO: apply an overlay through dtbo-configfs.
overlay_apply() {
	mkdir "/sys/kernel/config/device-tree/overlays/$1" &&
		cat "$2" >"/sys/kernel/config/device-tree/overlays/$1/dtbo" &&
		echo 1 >"/sys/kernel/config/device-tree/overlays/$1/status"
}

# overlay_remove NAME: remove an overlay applied with overlay_apply.
overlay_remove() { rmdir "/sys/kernel/config/device-tree/overlays/$1"; }

# serdev_devices: how many devices the serdev bus has (controllers and
# clients).
serdev_devices() { find /sys/bus/serial/devices/ -mindepth 1 -maxdepth 1 | wc -l; }
