#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a guest check that fails must fail the boot.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh
check "harness fixture: this check fails" false
exit 0
