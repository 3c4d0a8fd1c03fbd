#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the QEMU board and show what the suite does today.
# INTERACTIVE=1 leaves a shell on the guest console after the show.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"

"$top/scripts/deps.sh"
"$top/scripts/kernel.sh" >/dev/null
make -C "$top" --no-print-directory modules >/dev/null

peer=$SUITE_CACHE/peers/demo
rm -rf "$peer"
"$top/scripts/peers/btvirt.sh" start "$peer" >/dev/null
trap '"$top/scripts/peers/btvirt.sh" stop "$peer"' EXIT

args=(--name demo --modules --serial "unix:$peer/bt-server-bredr"
      --overlay "$top/dts/overlays/bt-h4-pl011.dtso"
      --guest "$top/scripts/demo.guest.sh" --timeout 300)
[ "${INTERACTIVE:-0}" = 1 ] && args+=(--interactive)
note "booting the board: btserdev on the PL011, BlueZ's btvirt behind it"
status=0
"$top/scripts/qemu-run.sh" "${args[@]}" || status=$?
[ "${INTERACTIVE:-0}" = 1 ] || tr -d '\r' <"$SUITE_CACHE/runs/demo/console.log" | sed -n '/^=== /,$p' |
	grep -av '^\[ *[0-9]*\.[0-9]*\] ' || true
exit $status
