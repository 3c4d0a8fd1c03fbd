#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The worked migration of Documentation/serial/ldisc-migration.rst, tested
# both ways: serport-serdev (upstream's serport line discipline as a serdev
# client) probed from the board's DT on the PL011, and the same driver
# behind QEMU's FTDI adapter attached with ldattach through serdev-ldisc.
# Behind each, the project's Sun keyboard emulator; the kernel's sunkbd
# driver binds to the serio port, resets the keyboard, reads its layout,
# reports its keys through evdev and sets its LEDs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=serport-migration
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
# "A" on the board's keyboard, "S" on the adapter's.
e2e_python_peer "$peer/kbd1.sock" "$peer/kbd1.log" sunkbd.py \
	--listen "$peer/kbd1.sock" --keys 4d --record "$peer/kbd1.json"
e2e_python_peer "$peer/kbd2.sock" "$peer/kbd2.log" sunkbd.py \
	--listen "$peer/kbd2.sock" --keys 4e --record "$peer/kbd2.json"
e2e_qmp_relay "$name" "$peer" \
	"chardevs=$(qmp_unix_chardev kbd "$peer/kbd2.sock")" \
	"plug-kbd=$(qmp_usb_serial ftdi1 kbd 1)" "unplug-kbd=$(qmp_unplug ftdi1)"
"$top/scripts/dtc.sh" "$top/tests/e2e/ldisc/serport-ttyusb0.dtso" "$peer/serport-ttyusb0.dtbo"

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--overlay "$top/dts/overlays/serport-pl011.dtso" \
	--serial "unix:$peer/kbd1.sock" "${E2E_QMP_ARGS[@]}" \
	--file "$peer/serport-ttyusb0.dtbo:etc/suite/serport-ttyusb0.dtbo" \
	--guest "$top/tests/e2e/$name.guest.sh"

# What the keyboards saw: the driver's reset, and the caps lock LED.
pids=("${E2E_PIDS[@]}")
e2e_stop_peers
trap - EXIT
wait "${pids[@]}" 2>/dev/null || true
for k in kbd1 kbd2; do
	/usr/bin/python3 - "$peer/$k.json" "$k" <<'PY' || exit 1
import json, sys
rec = json.load(open(sys.argv[1]))
assert rec["resets"] >= 1, f"{sys.argv[2]}: sunkbd never reset the keyboard: {rec}"
assert 0x08 in rec["leds"], f"{sys.argv[2]}: the caps lock LED never reached the keyboard: {rec}"
assert not rec["unknown"], f"{sys.argv[2]}: unknown commands: {rec['unknown']}"
print(f"{sys.argv[2]}: {rec['resets']} reset(s), LEDs {rec['leds']}")
PY
done
