#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BlueZ's btvirt (bluez-test-tools) as a host-side Bluetooth controller.
#
#   btvirt.sh start DIR   start one instance, print its PID; its BR/EDR
#                         socket is DIR/bt-server-bredr, its log DIR/btvirt.log
#   btvirt.sh stop DIR    stop it and remove its sockets
#
# btvirt always creates /tmp/bt-server-*; each instance gets a private /tmp
# (a tmpfs in its own mount namespace), so parallel or earlier runs cannot
# collide, and no stale socket survives it. The socket is reached through
# /proc/PID/root.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

cmd=${1:-} dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	die "usage: btvirt.sh start|stop DIR"
fi

case $cmd in
start)
	command -v btvirt >/dev/null || die "btvirt missing: install bluez-test-tools (scripts/deps.sh)"
	command -v unshare >/dev/null || die "unshare missing (util-linux)"
	mkdir -p "$dir"
	[ -e "$dir/bt-server-bredr" ] && die "stale peer socket $dir/bt-server-bredr from an earlier run: remove $dir"
	unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o mode=1777 tmpfs /tmp && exec stdbuf -oL btvirt -d -s' \
		>"$dir/btvirt.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/btvirt.pid"
	for _ in $(seq 50); do
		if ! kill -0 "$pid" 2>/dev/null; then
			die "btvirt exited at start: $(tail -n 3 "$dir/btvirt.log" | tr '\n' ' ')"
		fi
		if [ -S "/proc/$pid/root/tmp/bt-server-bredr" ]; then
			ln -s "/proc/$pid/root/tmp/bt-server-bredr" "$dir/bt-server-bredr"
			echo "$pid"
			exit 0
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	die "btvirt did not create its socket within 5 s (log: $dir/btvirt.log)"
	;;
stop)
	if [ -f "$dir/btvirt.pid" ]; then
		pid=$(cat "$dir/btvirt.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$dir/btvirt.pid"
	fi
	rm -f "$dir/bt-server-bredr"
	;;
*) die "usage: btvirt.sh start|stop DIR" ;;
esac
