#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The 32-bit board (armhf, a 32-bit long): an SDM120 alone on the PL011
# against the project's simulator at 9600 baud, reading 7.3 kW and
# 12,345 kWh. Energy goes out as hwmon's energy64 in full; power in
# microwatts does not fit a 32-bit long and saturates, as documented.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=modbus-armhf
peer=$(e2e_peer_dir "$name")
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --baud 9600 --wire-model \
	--slave sdm120@4:volts=231.5,amps=31.5,watts=7300,hz=50.0,kwh=12345

"$top/scripts/armhf.sh" scripts/qemu-run.sh --name "$name" --timeout 300 --modules \
	--overlay "$top/dts/overlays/sdm120-pl011.dtso" \
	--serial "unix:$peer/bus.sock" \
	--guest "$top/tests/e2e/$name.guest.sh"
