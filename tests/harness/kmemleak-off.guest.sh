#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: kmemleak switched off before the final scan must fail
# the boot, although no leak can then be reported.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh
echo off >/sys/kernel/debug/kmemleak
check "harness fixture: this check passes" true
exit 0
