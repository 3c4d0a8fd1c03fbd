#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input on the wire, against the real controller: h4-fault.py sits
# between the PL011 and btvirt, puts a burst of garbage (stray bytes and
# refused headers) before every 5th packet to the host, sends a Hardware
# Error event when the guest sends command 0xfcff, and never delivers the
# first Read Transmit Power Level (0x0c2d; a controller that does not
# answer). btserdev must keep
# working through the garbage (counted), and recover from the hardware
# error and from the command timeout, with the same hci0.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=bt-faults
peer=$(e2e_peer_dir "$name")
e2e_btvirt "$peer"
e2e_python_peer "$peer/fault.sock" "$peer/h4-fault.log" h4-fault.py \
	--listen "$peer/fault.sock" --upstream "$peer/bt-server-bredr" \
	--garbage 5 --hw-error-on 0xfcff --hw-error-loop-on 0xfcfe --swallow 0x0c2d \
	--record "$peer/faults.json"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/bt-h4-pl011.dtso" \
	--serial "unix:$peer/fault.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"

for _ in $(seq 50); do
	[ -s "$peer/faults.json" ] && break
	sleep 0.1
done
cat "$peer/faults.json"
/usr/bin/python3 - "$peer/faults.json" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
# One on 0xfcff, then the loop: one on 0xfcfe and one after each reset of
# the recoveries the limit allowed (at least 3 of them).
ok = (rec["hw_errors"] >= 1 + 1 + 3 and rec["garbage_bursts"] > 0
      and rec["swallowed"] == 1)
print("ok     faults were injected" if ok else "FAILED faults were not injected")
sys.exit(0 if ok else 1)
PY
