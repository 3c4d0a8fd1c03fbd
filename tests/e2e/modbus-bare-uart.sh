#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Modbus library without serdev-mux: an SDM120 alone on the PL011
# against the project's simulator (wire time modelled at 9600 baud). The
# simulator puts its faults on the first answer (cut short, bad CRC,
# exception code): it is retried and counted, and the reads after it are
# clean.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-bare-uart
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --record "$peer/record.json" \
	--baud 9600 --wire-model \
	--slave sdm120@4:volts=230.5,amps=1.25,watts=288.125,hz=50.0,kwh=1234.5 \
	--fault truncate:4:1 --fault crc:4:1 --fault exception:4:4:1

"$top/scripts/qemu-run.sh" --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/sdm120-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"
