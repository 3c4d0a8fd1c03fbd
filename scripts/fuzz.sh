#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz`: the KUnit fuzz cases (speed very_slow) of every wire parser
# at full size, on the test kernel (KASAN, kmemleak, lockdep): the H4
# receive path (14,500 long streams, then 20 rounds of 50,000 short
# inputs), the H5 receive path (10^6 inputs, as in make test), the
# Broadcom .hcd check, the Modbus RTU response checks and the
# device tree blob header check (10^6 inputs each). make test runs the
# same cases with one round of short H4 inputs and 10^5 .hcd and Modbus
# inputs. Prints each case's count of
# inputs and ends with "N passed, N failed" (KUnit cases, the boot itself
# and each expected suite). Console: $SUITE_CACHE/runs/fuzz/console.log.
#
#   scripts/fuzz.sh [ROUNDS]    rounds of short H4 inputs (default 20)
set -uo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$SUITE_TOP" || exit 1

rounds=${1:-20}
case $rounds in '' | *[!0-9]*) die "fuzz: ROUNDS must be a number, not '$rounds'" ;; esac
scripts/rootfs.sh >/dev/null || die "fuzz: the guest file system could not be built"

passed=0 failed=0
log=$SUITE_CACHE/runs/fuzz.qemu.log
# A round takes ~45 s on the QEMU board; the rest ~2 min.
if scripts/qemu-run.sh --name fuzz --modules --guest tests/kunit/run.guest.sh \
	--timeout $((300 + 90 * rounds)) --append kunit.filter=speed=very_slow \
	--append "btserdev_h4_test.short_rounds=$rounds" >"$log" 2>&1; then
	passed=$((passed + 1))
	echo "ok     fuzz: guest boot, clean console"
else
	failed=$((failed + 1))
	echo "FAILED fuzz: guest boot, clean console"
	tail -n 20 "$log" | sed 's/^/       | /'
fi
console=$SUITE_CACHE/runs/fuzz/console.log
tr -d '\r' <"$console" |
	sed -n 's/^\[ *[0-9.]*\] *# \([a-z0-9_]*\): \(fuzz.*inputs.*\)$/  \1: \2/p'
res=$(scripts/kunit-parse.sh --expect tests/kunit/fuzz.suites "$console" 2>&1)
echo "$res" | grep -E 'FAILED|CRASHED|SKIPPED|MISSING|ERROR|could not' | sed 's/^/  /'
read -r kp kf < <(echo "$res" | sed -n 's/^KUNIT: //p')
passed=$((passed + ${kp:-0}))
failed=$((failed + ${kf:-1}))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
