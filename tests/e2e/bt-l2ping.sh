#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two controllers on one btvirt: two QEMU boards, each with btserdev on
# its PL011, both wired to the same btvirt socket. btvirt numbers its
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
cleanup() {
	[ -z "$b_pid" ] || kill "$b_pid" 2>/dev/null || true
	"$top/scripts/peers/btvirt.sh" stop "$peer"
}
trap cleanup EXIT
echo "00:AA:01:01:00:42" >"$peer/remote"

# Board B (answers): connects first, so it gets 00:AA:01:00:00:42.
"$top/scripts/qemu-run.sh" --name "$name-b" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/bt-server-bredr" \
	--guest "$top/tests/e2e/$name-b.guest.sh" >"$peer/board-b.log" 2>&1 &
b_pid=$!
for _ in $(seq 100); do
	[ "$(grep -c 'Request for' "$peer/btvirt.log")" -ge 1 ] && break
	sleep 0.1
done
grep -q 'Request for' "$peer/btvirt.log" || die "board B never connected to btvirt"
echo "00:AA:01:00:00:42" >"$peer/remote"

# Board A (pings) connects second: 00:AA:01:01:00:42.
status=0
"$top/scripts/qemu-run.sh" --name "$name-a" --timeout 300 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/bt-server-bredr" \
	--file "$peer/remote:etc/suite/remote" \
	--guest "$top/tests/e2e/$name-a.guest.sh" || status=$?
wait "$b_pid" || { echo "board B failed:" >&2; tail -n 20 "$peer/board-b.log" >&2; status=1; }
b_pid=""
exit $status
