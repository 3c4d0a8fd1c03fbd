#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a kernel WARNING on the console must fail the boot,
# whatever the scenario's own checks say. The line goes through the kernel
# log (/dev/kmsg), as a real one would.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh
echo "WARNING: CPU: 0 PID: 1 at harness-fixture.c:1 harness_fixture+0x0/0x4" >/dev/kmsg
check "harness fixture: this check passes" true
exit 0
