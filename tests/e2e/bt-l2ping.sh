#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two controllers on one btvirt: two QEMU boards, each with btserdev on
# its PL011, both wired to the same btvirt socket through h4-relay.py
# (btvirt 5.66 loses ACL packets whose header arrives split across reads,
# which a UART's byte stream does all the time). btvirt numbers its
# controllers by connection order (00:AA:01:00:00:42, then
# 00:AA:01:01:00:42), so the second board is started once btvirt has
# accepted the first. The first board l2pings the second: ACL data flows
# both ways through btserdev on both sides.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-l2ping
peer=$(e2e_peer_dir "$name")
"$top/scripts/peers/btvirt.sh" start "$peer" >/dev/null
b_pid=""
relays=()
cleanup() {
	[ -z "$b_pid" ] || kill "$b_pid" 2>/dev/null || true
	for r in "${relays[@]}"; do kill "$r" 2>/dev/null || true; done
	"$top/scripts/peers/btvirt.sh" stop "$peer"
}
trap cleanup EXIT

# start_relay NAME: a relay listening on $peer/NAME.sock.
start_relay() {
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$top/scripts/peers/h4-relay.py" \
		--listen "$peer/$1.sock" --upstream "$peer/bt-server-bredr" \
		2>"$peer/$1.log" &
	relays+=($!)
	for _ in $(seq 50); do
		[ -S "$peer/$1.sock" ] && return 0
		sleep 0.1
	done
	die "h4-relay $1 did not start: $(cat "$peer/$1.log")"
}

# Board B (answers): connects first, so it gets 00:AA:01:00:00:42.
start_relay relay-b
"$top/scripts/qemu-run.sh" --name "$name-b" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/relay-b.sock" \
	--guest "$top/tests/e2e/$name-b.guest.sh" >"$peer/board-b.log" 2>&1 &
b_pid=$!
for _ in $(seq 100); do
	[ "$(grep -c 'Request for' "$peer/btvirt.log")" -ge 1 ] && break
	sleep 0.1
done
grep -q 'Request for' "$peer/btvirt.log" || die "board B never connected to btvirt"
echo "00:AA:01:00:00:42" >"$peer/remote"

# Board A (pings) connects second: 00:AA:01:01:00:42.
start_relay relay-a
status=0
"$top/scripts/qemu-run.sh" --name "$name-a" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/relay-a.sock" \
	--file "$peer/remote:etc/suite/remote" \
	--guest "$top/tests/e2e/$name-a.guest.sh" || status=$?
wait "$b_pid" || { echo "board B failed:" >&2; tail -n 20 "$peer/board-b.log" >&2; status=1; }
b_pid=""
if grep -q 'packet error' "$peer/btvirt.log"; then
	echo "btvirt lost packets (packet error) despite the relays" >&2
	status=1
fi
exit $status
