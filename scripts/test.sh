#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: install what is missing, build the test kernel and modules,
# lint, run the KUnit suites and the end-to-end scenarios in QEMU. Every
# check prints one line; the last line is "N passed, N failed".
# Logs: $SUITE_CACHE/test-logs/.
set -uo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$SUITE_TOP" || exit 1

logs=$SUITE_CACHE/test-logs
rm -rf "$logs"
mkdir -p "$logs"
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok     $1"; }
fail() { failed=$((failed + 1)); echo "FAILED $1"; [ -z "${2:-}" ] || sed 's/^/       | /' "$2" | tail -n 30; }
finish() {
	echo "$passed passed, $failed failed"
	[ $failed = 0 ]
	exit
}
# check NAME CMD...: one counted check; output kept in the log directory.
check() {
	local name=$1 log
	shift
	log=$logs/$(echo "$name" | tr -c 'A-Za-z0-9_.-' '_').log
	if "$@" >"$log" 2>&1; then
		pass "$name"
	else
		fail "$name" "$log"
		return 1
	fi
}

# Setup steps: without them nothing else can run.
check "deps: packages installed" scripts/deps.sh || finish
check "kernel: test kernel built, fragment verified" scripts/kernel.sh || finish
ksrc=$(kernel_src)

# Modules: W=1 and sparse must be silent.
build_clean() {
	make check >"$logs/build.out" 2>&1 || { cat "$logs/build.out"; return 1; }
	cat "$logs/build.out"
	! grep -E '(warning|error):' "$logs/build.out"
}
check "build: modules, W=1 and sparse (C=2) clean" build_clean || finish

# Against a distribution kernel's headers (Debian 12: 6.1, no OF, no KUnit):
# what that kernel cannot carry is skipped with a message, the rest builds.
distro_build() {
	local kdir out
	kdir=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' | sort -V | tail -n 1)
	[ -n "$kdir" ] || { echo "no linux-headers-*-amd64 in /usr/src"; return 1; }
	out=$logs/distro-build.dir
	rm -rf "$out"
	mkdir -p "$out"
	git ls-files -z | xargs -0 cp --parents -t "$out"
	make -C "$out" KDIR="$kdir" modules >"$out.log" 2>&1 || { cat "$out.log"; return 1; }
	cat "$out.log"
	grep -q 'serdev-suite: skipping KUnit suites' "$out.log"
}
check "distro headers: build against Debian's linux-headers-amd64" distro_build

# The same through DKMS, in private trees (nothing installed system-wide).
dkms_build() {
	local kdir krel t
	kdir=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' | sort -V | tail -n 1)
	[ -n "$kdir" ] || { echo "no linux-headers-*-amd64 in /usr/src"; return 1; }
	krel=${kdir#/usr/src/linux-headers-}
	t=$logs/dkms
	rm -rf "$t"
	mkdir -p "$t/src/serdev-suite-0.1" "$t/tree"
	git ls-files -z | xargs -0 cp --parents -t "$t/src/serdev-suite-0.1"
	(cd "$t" && dkms build serdev-suite/0.1 -k "$krel" --sourcetree "$t/src" \
		--dkmstree "$t/tree") || return 1
	ls "$t/tree/serdev-suite/0.1/$krel/"*/module/btserdev.ko
}
check "distro headers: dkms build of btserdev" dkms_build

# Lint.
mapfile -t csrc < <(git ls-files '*.c' '*.h')
for f in "${csrc[@]}"; do
	check "checkpatch --strict: $f" perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f "$f"
done
mapfile -t dtso < <(git ls-files '*.dtso' '*.dts')
for f in "${dtso[@]}"; do
	check "dtc -@ (warnings are errors): $f" scripts/dtc.sh "$f" "$logs/$(basename "$f").dtb"
done
mapfile -t yamls < <(git ls-files 'Documentation/devicetree/bindings/*.yaml')
for f in "${yamls[@]}"; do
	check "dt-doc-validate: $f" scripts/dt-check.sh "$f"
done
check "dt-validate: the examples of every binding" scripts/dt-examples.sh
check "coccinelle: ldisc-to-serdev.cocci on upstream line disciplines" \
	scripts/coccinelle/selftest.sh
mapfile -t shs < <(git ls-files '*.sh' 'scripts/guest/init' '.ci/run')
for f in "${shs[@]}"; do
	check "shellcheck: $f" shellcheck -x "$f"
done

# Host-side peers the project wrote are tested too.
check "peers: emulator self-tests (python unittest)" env PYTHONDONTWRITEBYTECODE=1 \
	/usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'

# The harness must be able to fail: a failing KTAP document is counted as a
# failure, and a scenario whose peer is missing fails with a clear message.
harness_kunit_fails() {
	local res
	res=$(scripts/kunit-parse.sh tests/harness/failing.ktap | tail -n 1)
	echo "$res"
	[ "$res" = "KUNIT: 1 1" ]
}
check "harness: a failing KUnit case is counted as failed" harness_kunit_fails
harness_no_peer() {
	local out
	if out=$(scripts/qemu-run.sh --name harness-no-peer --timeout 30 \
		--serial unix:"$logs/no-such-peer/bt-server-bredr" 2>&1); then
		echo "the runner passed with no peer behind the UART"
		return 1
	fi
	echo "$out"
	grep -q 'peer socket .* does not exist' <<<"$out"
}
check "harness: a scenario without its peer fails clearly" harness_no_peer

# KUnit suites: one boot loads every *-test.ko; each case counts.
if scripts/qemu-run.sh --name kunit --modules --guest tests/kunit/run.guest.sh \
	--timeout 600 >"$logs/kunit-boot.log" 2>&1; then
	pass "kunit: guest boot, clean console"
else
	fail "kunit: guest boot, clean console" "$logs/kunit-boot.log"
fi
scripts/kunit-parse.sh "$SUITE_CACHE/runs/kunit/console.log" >"$logs/kunit-parse.log" 2>&1
sed -n 's/^/       | /p' "$logs/kunit-parse.log" | grep -v 'KUNIT:' | grep -E 'FAILED|CRASHED|SKIPPED|ERROR|could not|no KUnit' || true
read -r kp kf < <(sed -n 's/^KUNIT: //p' "$logs/kunit-parse.log")
echo "       KUnit cases: ${kp:-0} passed, ${kf:-1} failed"
passed=$((passed + ${kp:-0}))
failed=$((failed + ${kf:-1}))

# End-to-end scenarios against real peers.
for s in tests/e2e/*.sh; do
	case $s in *.guest.sh) continue ;; esac
	check "e2e: $(basename "$s" .sh)" "$s"
done
# The reliability figures of make stress, from the short cycles above.
check "stress (short form): ldisc-compat cycles clean, no leak or warning" \
	scripts/stress/ldisc-compat.sh --report
scripts/stress/ldisc-compat.sh --report 2>&1 | sed 's/^/       | /' || true

finish
