#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run-time device tree overlays through configfs (ldisc-compat's
# dtbo-configfs): apply, read back, remove with the device bound, and bad
# input (garbage, a truncated blob, a missing target, a non-root writer).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

name=dtbo-configfs
peer=$(e2e_peer_dir "$name")
for o in regulator regulator-extra missing-target; do
	"$top/scripts/dtc.sh" "$top/tests/e2e/dtbo/$o.dtso" "$peer/$o.dtbo"
done

"$top/scripts/qemu-run.sh" --name "$name" --timeout 240 --modules \
	--file "$peer/regulator.dtbo:etc/suite/regulator.dtbo" \
	--file "$peer/regulator-extra.dtbo:etc/suite/regulator-extra.dtbo" \
	--file "$peer/missing-target.dtbo:etc/suite/missing-target.dtbo" \
	--guest "$top/tests/e2e/$name.guest.sh"
