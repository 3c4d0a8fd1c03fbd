#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# serdev-ldisc on a pseudo-terminal, attached from userspace with ldattach:
# BlueZ's btvirt runs in the guest at the pair's other end, and btserdev
# brings hci0 up through the bridge. Detach, a second attach, an attach
# with no node, and an overlay removed while attached; then cycles of
# ldattach attach/detach and of overlay apply/remove.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=ldisc-pty
peer=$(e2e_peer_dir "$name")
"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/bt-pts0.dtso" "$peer/bt-pts0.dtbo"
cycles=${LDISC_CYCLES:-3}
echo "$cycles" >"$peer/cycles"

"$top/scripts/qemu-run.sh" --name "$name" --timeout $((300 + 10 * cycles)) --modules \
	--file "$peer/bt-pts0.dtbo:etc/suite/bt-pts0.dtbo" \
	--file "$peer/cycles:etc/suite/cycles" \
	--guest "$top/tests/e2e/$name.guest.sh"
