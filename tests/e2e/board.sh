#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The QEMU board itself: QEMU's virt DTB with the suite's overlays merged by
# fdtoverlay boots, and the overlays' simulated hardware probes.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/scripts/qemu-run.sh" --name board --timeout 180 \
	--guest "$top/tests/e2e/board.guest.sh"
