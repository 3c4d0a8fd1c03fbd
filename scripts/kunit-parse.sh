#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Read a guest console log, hand each top-level KTAP document (one per
# loaded KUnit module) to the kernel tree's kunit.py parse, and print
#   KUNIT: <passed> <failed>
# as the last line. Crashed cases, parser errors and skipped cases count as
# failures (the test kernel has every option the suites need, so a skip
# means a broken setup). A log with no KTAP document counts one failure.
#
#   scripts/kunit-parse.sh [--expect FILE] LOG
# With --expect, each suite named in FILE (one a line, # comments) that no
# document of LOG reports counts one failure.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

expect=""
if [ "${1:-}" = --expect ]; then
	expect=$2
	shift 2
fi
log=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kunit=$(kernel_src)/tools/testing/kunit/kunit.py
[ -f "$kunit" ] || die "kunit.py missing at $kunit"

# Top-level documents start with an unindented "KTAP version 1" after the
# printk timestamp; the boot's own empty document (1..0) is skipped.
awk -v dir="$work" '
	/^\[ *[0-9]+\.[0-9]+\] KTAP version 1$/ { n++; f = sprintf("%s/doc%03d.ktap", dir, n) }
	n > 0 { print > f }
' < <(tr -d '\r' <"$log")

passed=0 failed=0 docs=0
for doc in "$work"/doc*.ktap; do
	[ -e "$doc" ] || continue
	grep -qE '^\[ *[0-9.]+\] 1\.\.0$' "$doc" && continue
	docs=$((docs + 1))
	out=$(cd "$work" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$kunit" parse "$doc" 2>&1) || true
	echo "$out" | sed -n 's/^\[[0-9:]*\] //p' | grep -E '^(\[(PASSED|FAILED|CRASHED|SKIPPED)\]|=+ |Testing complete|# |ERROR)' || true
	summary=$(echo "$out" | grep -o 'Ran [0-9]* tests:.*' | tail -n 1)
	if [ -z "$summary" ]; then
		echo "kunit.py could not parse $(basename "$doc")" >&2
		failed=$((failed + 1))
		continue
	fi
	count() { echo "$summary" | grep -o "$1: [0-9]*" | grep -o '[0-9]*' || echo 0; }
	p=$(count passed) f=$(count failed) c=$(count crashed) s=$(count skipped) e=$(count errors)
	passed=$((passed + p))
	failed=$((failed + f + c + s + e))
	total=${summary#Ran }
	total=${total%% *}
	[ "$total" -gt 0 ] || failed=$((failed + 1))
done
if [ -n "$expect" ]; then
	while read -r suite; do
		case $suite in '' | '#'*) continue ;; esac
		if ! grep -qhE "^\[ *[0-9.]+\] +# Subtest: $suite\$" "$work"/doc*.ktap 2>/dev/null; then
			echo "[MISSING] KUnit suite $suite: not built or not loaded" >&2
			failed=$((failed + 1))
		fi
	done <"$expect"
fi
if [ $docs = 0 ]; then
	echo "no KUnit results in $log" >&2
	failed=$((failed + 1))
fi
echo "KUNIT: $passed $failed"
