#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The harness's proof against a peer nobody here wrote: BlueZ's btvirt is
# the Bluetooth controller behind the PL011, and the guest attaches the
# upstream hci_uart H4 line discipline the legacy way, with btattach.
# hci0 must come up and show the emulated controller's BD address.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=btvirt-btattach
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"

# btvirt derives the BD address from its server id (0x42 for the BR/EDR
# socket), so every controller it serves there is 00:AA:01:00:00:42.
echo "00:AA:01:00:00:42" >"$peer/bdaddr"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 180 \
	--serial "unix:$peer/bt-server-bredr" \
	--file "$peer/bdaddr:etc/suite/bdaddr" \
	--guest "$top/tests/e2e/$name.guest.sh"
