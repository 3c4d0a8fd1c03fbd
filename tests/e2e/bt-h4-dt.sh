#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Flagship path: the board's DT (overlay bt-h4-pl011.dtso) describes a
# plain H4 controller on the PL011, BlueZ's btvirt is that controller, and
# btserdev brings hci0 up with no userspace attach.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-h4-dt
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
echo "00:AA:01:00:00:42" >"$peer/bdaddr"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/bt-server-bredr" \
	--file "$peer/bdaddr:etc/suite/bdaddr" \
	--guest "$top/tests/e2e/$name.guest.sh"
