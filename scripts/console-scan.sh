#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scan a guest console log for kernel reports that fail a boot: panics,
# oopses, BUG, WARNING, KASAN, UBSAN, lockdep, debug objects, RCU stalls,
# hung tasks, soft and hard lockups, kmemleak leaks and kmemleak itself
# switched off. Lines with or without a printk timestamp count alike; only
# the guest scripts' own SUITE- lines are left out.
#
#   scripts/console-scan.sh LOG   prints up to five offending lines, exits 1
#                                 when there is one, 0 when there is none
set -euo pipefail
if [ $# != 1 ] || [ ! -f "$1" ]; then
	echo "usage: console-scan.sh LOG" >&2
	exit 2
fi

pattern='Kernel panic|Oops|BUG:|WARNING:|UBSAN:|KASAN|possible circular locking'
pattern+='|inconsistent lock state|possible recursive locking|ODEBUG:'
pattern+='|Unable to handle kernel|kmemleak: [0-9]+ new suspected'
pattern+='|kmemleak: .*(disabled|[Cc]annot|failed)|rcu: INFO:|detected stalls? on CPU'
pattern+='|self-detected stall|INFO: task .* blocked for more than|soft lockup|hard LOCKUP'
pattern+='|hung_task: blocked tasks'

bad=$(tr -d '\r' <"$1" | grep -av '^SUITE-' | grep -aE "$pattern" | head -n 5 || true)
[ -z "$bad" ] && exit 0
echo "$bad"
exit 1
