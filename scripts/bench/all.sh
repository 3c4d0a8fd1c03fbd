#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: every benchmark in scripts/bench/, one after the other (each
# needs the machine to itself), then one table of their figures with the
# commit they measured. A benchmark that fails is named with its reason and
# makes the exit status non-zero; it prints no figure. Full outputs:
# $SUITE_CACHE/bench/NAME.out.
set -uo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$SUITE_TOP" || exit 1

commit=$(git rev-parse --short HEAD 2>/dev/null) || commit=unknown
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit+changes"
out=$SUITE_CACHE/bench
mkdir -p "$out"
failed=0
# bench NAME ARGS...: run scripts/bench/NAME.sh ARGS, keep its output.
bench() {
	local name=$1
	shift
	note "bench: $name $*"
	if "scripts/bench/$name.sh" "$@" >"$out/$name.out" 2>&1; then
		sed 's/^/  /' "$out/$name.out" | grep -v '^  BENCH-RESULT'
	else
		echo "FAILED $name: $(grep -v '^>>>' "$out/$name.out" | tail -n 1)"
		failed=1
	fi
}

echo "make bench at commit $commit ($(date -u +%Y-%m-%d), $(nproc) cores)"
bench debug-cost
bench bt-fw-download --no-debug 65536
bench bt-probe-time
bench bt-acl --no-debug
bench bt-acl --no-debug --h5
bench bt-rtl-download --no-debug
bench mux-rs485 --no-debug
bench de-lateness --no-debug
bench modbus-tty --no-debug
bench modbus-polls --no-debug

echo
echo "figures at commit $commit:"
grep -h '^BENCH-RESULT ' "$out"/*.out 2>/dev/null | sed 's/^BENCH-RESULT /  /'
exit $failed
