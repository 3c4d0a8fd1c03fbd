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
# The 32-bit board's kernel, one build after the other (never two at once).
armhf=1
check "kernel (armhf): 32-bit test kernel built, fragment verified" \
	env SUITE_ARCH=armhf scripts/kernel.sh || armhf=0
ksrc=$(kernel_src)

# Modules: W=1 and sparse must be silent.
build_clean() {
	make -j"$(nproc)" check >"$logs/build.out" 2>&1 || { cat "$logs/build.out"; return 1; }
	cat "$logs/build.out"
	# A warning is printed when its file compiles, never again: a build
	# that warned leaves no objects behind for the next run to trust.
	if grep -E '(warning|error):' "$logs/build.out"; then
		make clean >/dev/null 2>&1
		return 1
	fi
}
# The armhf modules build on the other core meanwhile (a copy of the tree).
if [ $armhf = 1 ]; then
	scripts/armhf.sh --prepare >"$logs/armhf-prepare.out" 2>&1 &
	armhf_pid=$!
fi
armhf_prepared() {
	local rc=0
	wait "$armhf_pid" || rc=$?
	cat "$logs/armhf-prepare.out"
	return "$rc"
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

# Distribution kernels build most options as modules (CONFIG_MULTIPLEXER=m,
# CONFIGFS_FS=m, SERIO=m...). With every tristate option the suite's modules
# depend on set to m, Kbuild must skip nothing, as with the test kernel's
# own configuration (all y). A dry run (make -n) is enough: Kbuild decides,
# and prints what it skips, when it reads the files.
kbuild_modular() {
	local kdir opts="" o
	kdir=$(scripts/kernel.sh --path)
	for o in BT BT_BCM CONFIGFS_FS HWMON KUNIT MULTIPLEXER SERIAL_DEV_BUS SERIO USB; do
		opts="$opts CONFIG_$o=m"
	done
	echo "options set to m:$opts"
	# shellcheck disable=SC2086 # one word an option
	make -n -C "$kdir" M="$PWD" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- $opts modules \
		>"$logs/kbuild-modular.out" 2>&1 || { tail -n 5 "$logs/kbuild-modular.out"; return 1; }
	! grep '^serdev-suite: skipping' "$logs/kbuild-modular.out"
}

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

# DKMS against the project's arm64 6.12 kernel, which has what every module
# needs: dkms builds and installs (into a private tree) exactly the modules
# Kbuild builds for it, all nine, and depmod finds every symbol they use.
dkms_arm64() {
	local kdir krel t want got m unresolved
	kdir=$(scripts/kernel.sh --path)
	krel=$(cat "$kdir/include/config/kernel.release")
	t=$logs/dkms-arm64
	rm -rf "$t"
	mkdir -p "$t/src/serdev-suite-0.1" "$t/tree" "$t/root/lib/modules/$krel"
	git ls-files -z | xargs -0 cp --parents -t "$t/src/serdev-suite-0.1"
	(cd "$t" && ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- dkms install --no-depmod \
		serdev-suite/0.1 -k "$krel" -a aarch64 --kernelsourcedir "$kdir" \
		--sourcetree "$t/src" --dkmstree "$t/tree" --installtree "$t/root/lib/modules") ||
		return 1
	want=$(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- scripts/dkms-modules.sh "$kdir" \
		"$t/src/serdev-suite-0.1" | awk '{ print $1 ".ko" }' | sort)
	got=$(find "$t/root/lib/modules/$krel/updates/dkms" -name "*.ko" -printf "%f\n" | sort)
	echo "Kbuild builds:  $(echo "$want" | tr '\n' ' ')"
	echo "dkms installed: $(echo "$got" | tr '\n' ' ')"
	for m in btserdev serdev-mux serdev-modbus xymd02 sdm120 modbus-tty serport-serdev \
		dtbo-configfs serdev-ldisc; do
		echo "$want" | grep -qx "$m.ko" || { echo "Kbuild does not build $m for $krel"; return 1; }
	done
	[ "$want" = "$got" ] || { echo "dkms installed another set than Kbuild builds"; return 1; }
	unresolved=$(depmod -e -F "$kdir/System.map" -b "$t/root" "$krel" 2>&1 | grep -i 'unknown symbol')
	[ -z "$unresolved" ] || { echo "$unresolved"; return 1; }
}

# The Debian package as a board owner installs it: built from the tree's
# debian/ (dh with dkms), installed with dpkg -i on this machine, where
# DKMS builds it for Debian's amd64 kernel headers (6.1: btserdev), checked
# with dkms status, then purged. A serdev-suite-dkms already installed
# here is left alone: the check fails instead of removing it.
deb_package() {
	local t kdir krel deb rc=0
	if dpkg-query -W -f='${Status}' serdev-suite-dkms 2>/dev/null | grep -q installed; then
		echo "serdev-suite-dkms is installed on this machine: not touching it"
		return 1
	fi
	kdir=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' | sort -V | tail -n 1)
	[ -n "$kdir" ] || { echo "no linux-headers-*-amd64 in /usr/src"; return 1; }
	krel=${kdir#/usr/src/linux-headers-}
	t=$logs/deb
	rm -rf "$t"
	mkdir -p "$t/serdev-suite"
	git ls-files -z | xargs -0 cp --parents -t "$t/serdev-suite"
	(cd "$t/serdev-suite" && dpkg-buildpackage -us -uc -b) >"$t/build.log" 2>&1 ||
		{ tail -n 20 "$t/build.log"; return 1; }
	deb=$(find "$t" -maxdepth 1 -name 'serdev-suite-dkms_*_all.deb')
	[ -n "$deb" ] || { echo "no serdev-suite-dkms_*_all.deb"; return 1; }
	echo "built $(basename "$deb")"
	dpkg-deb -c "$deb" >"$t/contents.txt"
	if ! grep -q ' ./usr/src/serdev-suite-0.1/dkms.conf$' "$t/contents.txt" ||
		! grep -q ' ./usr/src/serdev-suite-0.1/scripts/dkms-modules.sh$' "$t/contents.txt"; then
		echo "the package lacks the sources DKMS needs"
		return 1
	fi
	dpkg-deb -e "$deb" "$t/control"
	if ! grep -qs 'dkms' "$t/control/postinst" || ! grep -qs 'dkms' "$t/control/prerm"; then
		echo "no DKMS maintainer scripts (dh_dkms)"
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" || rc=1
	if [ "$rc" = 0 ] && ! dkms status serdev-suite -k "$krel" | grep -q ': installed'; then
		# dkms's postinst builds for the running kernel; this one is Debian's.
		dkms install serdev-suite/0.1 -k "$krel" || rc=1
	fi
	dkms status serdev-suite
	[ "$rc" = 0 ] && dkms status serdev-suite -k "$krel" | grep -q ': installed' &&
		modinfo -k "$krel" -F filename btserdev | grep -q '/updates/dkms/btserdev.ko' || rc=1
	DEBIAN_FRONTEND=noninteractive dpkg -P serdev-suite-dkms || rc=1
	if [ -n "$(dkms status serdev-suite 2>&1)" ] || [ -e "/lib/modules/$krel/updates/dkms/btserdev.ko" ]; then
		echo "purged, but DKMS still holds serdev-suite: cleaning up by hand"
		rm -rf /var/lib/dkms/serdev-suite "/lib/modules/$krel/updates/dkms/btserdev.ko"
		rc=1
	fi
	return "$rc"
}

# packaging/: the build paths of Yocto's module class and Buildroot's
# kernel-module infrastructure, as they call them, against the project's
# arm64 kernel; each installs every module Kbuild builds for it (no Yocto
# or Buildroot here: their recipes are checked by the paths they take).
# One copy of the tree: Buildroot's make builds it, the Yocto-style make
# through the tree's Makefile then finds it built (same Kbuild, same
# kernel) and both install, each in its own way.
packaging_paths() {
	local kdir krel t want m x=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	kdir=$(scripts/kernel.sh --path)
	krel=$(cat "$kdir/include/config/kernel.release")
	t=$logs/packaging
	rm -rf "$t"
	mkdir -p "$t/src"
	git ls-files -z | xargs -0 cp --parents -t "$t/src"
	want=$(env "${x[@]}" scripts/dkms-modules.sh "$kdir" "$t/src" | awk '{ print $1 }')
	# kernel-module: make -C LINUX_DIR M=... modules, then modules_install.
	if ! make -s -C "$kdir" M="$t/src" "${x[@]}" modules >"$t/buildroot.log" 2>&1 ||
		! make -s -C "$kdir" M="$t/src" "${x[@]}" INSTALL_MOD_PATH="$t/buildroot" \
			modules_install >>"$t/buildroot.log" 2>&1; then
		tail -n 20 "$t/buildroot.log"
		return 1
	fi
	# module.bbclass: oe_runmake with KERNEL_SRC and O, then modules_install
	# with DEPMOD=echo and MODLIB under the image.
	if ! make -s -C "$t/src" KERNEL_SRC="$kdir" KERNEL_PATH="$kdir" O="$kdir" "${x[@]}" \
		>"$t/yocto.log" 2>&1 ||
		! make -s -C "$t/src" KERNEL_SRC="$kdir" O="$kdir" "${x[@]}" DEPMOD=echo \
			MODLIB="$t/yocto/lib/modules/$krel" modules_install >>"$t/yocto.log" 2>&1; then
		tail -n 20 "$t/yocto.log"
		return 1
	fi
	echo "Kbuild builds: $(echo "$want" | tr '\n' ' ')"
	[ "$(echo "$want" | wc -l)" = 9 ] || return 1
	for m in $want; do
		find "$t/yocto/lib/modules/$krel" -name "$m.ko" | grep -q . ||
			{ echo "Yocto's path did not install $m"; return 1; }
		find "$t/buildroot/lib/modules/$krel" -name "$m.ko" | grep -q . ||
			{ echo "Buildroot's path did not install $m"; return 1; }
	done
	echo "both paths installed all nine"
}

# Everything below is independent: checks run in a pool of $SUITE_JOBS (3)
# at once (QEMU boots are one guest each), longest first. Each check's lines
# are printed together, in the order the checks were started.
# A check that mostly waits (a guest left to hang until its timeout) runs
# beside the pool rather than in one of its places: job_idle.
jobs_max=${SUITE_JOBS:-3}
job_names=()
idle_pids=()
busy_jobs() {
	local n p
	n=$(jobs -rp | wc -l)
	for p in "${idle_pids[@]}"; do
		! kill -0 "$p" 2>/dev/null || n=$((n - 1))
	done
	echo "$n"
}
job_idle() {
	job_start "$@"
	idle_pids+=("$!")
}
job() {
	while [ "$(busy_jobs)" -ge "$jobs_max" ]; do
		wait -n
	done
	job_start "$@"
}
job_start() {
	local name=$1 id=${#job_names[@]}
	shift
	job_names+=("$name")
	(
		log=$logs/$(echo "$name" | tr -c 'A-Za-z0-9_.-' '_').log
		t0=$SECONDS
		if "$@" >"$log" 2>&1; then rc=0; else rc=$?; fi
		# QEMU itself crashed (exit 3 from qemu-run.sh, through the
		# scenario): no verdict on the guest; the check runs once more,
		# both logs kept.
		if [ "$rc" = 3 ] && grep -q 'QEMU itself died of signal' "$log"; then
			mv "$log" "$log.qemu-crash"
			echo "QEMU crashed in the first run (log: $log.qemu-crash); run again" >"$log"
			if "$@" >>"$log" 2>&1; then rc=0; else rc=$?; fi
		fi
		[ "$rc" = 0 ] || rc=1
		# CPU time (user, system): this shell's, then its processes'
		times >>"$log"
		echo "($((SECONDS - t0)) s)" >>"$log"
		echo "$rc $log" >"$logs/.job.$id"
	) &
}
collect() {
	local id rc log
	wait
	for id in "${!job_names[@]}"; do
		read -r rc log <"$logs/.job.$id" || { rc=1 log=/dev/null; }
		if [ "$rc" = 0 ]; then
			pass "${job_names[$id]}"
		else
			fail "${job_names[$id]}" "$log"
		fi
	done
	job_names=()
}

# The guest's base file system and the bindings tree, once, before the
# checks that use them run side by side.
check "rootfs: guest initramfs built" scripts/rootfs.sh || finish
check "dt-doc-validate: bindings tree prepared" scripts/dt-check.sh --prepare || finish
check "dt-validate: binding schemas processed" scripts/dt-schema.sh || finish
[ $armhf = 0 ] || check "build (armhf): modules for a 32-bit long, W=1 clean; its rootfs" \
	armhf_prepared || armhf=0
export DT_CHECK_PREPARED=1

# End-to-end scenarios against real peers, the longest first, and the
# KUnit boot among them: it loads every *-test.ko; each case counts, and
# each suite listed in tests/kunit/suites must have reported.
# The 32-bit board: the KUnit cases but those marked slow (every chunking
# of H4 streams, 1000 unbind rounds: the arm64 boot runs them), and a
# scenario of its own (modbus-armhf). Without its build (counted as failed
# above) neither runs.
if [ $armhf = 1 ]; then
	job "kunit-armhf: 32-bit guest boot, clean console" scripts/armhf.sh \
		scripts/qemu-run.sh --name kunit-armhf --modules \
		--guest tests/kunit/run.guest.sh --timeout 600 \
		--append 'kunit.filter=speed>slow'
fi
job "e2e: bt-l2ping" tests/e2e/bt-l2ping.sh
job "kunit-fuzz: guest boot, clean console" scripts/qemu-run.sh --name kunit-fuzz \
	--modules --guest tests/kunit/run.guest.sh --timeout 600 \
	--append kunit.filter=speed=very_slow --append btserdev_h4_test.short_rounds=1 \
	--append btserdev_bcm_test.fuzz_inputs=100000 \
	--append serdev_modbus_test.fuzz_inputs=100000
long="bt-l2ping usb-hotplug ldisc-pty"
for s in usb-hotplug ldisc-pty; do
	job "e2e: $s" "tests/e2e/$s.sh"
done
job "kunit: guest boot, clean console" scripts/qemu-run.sh --name kunit --modules \
	--guest tests/kunit/run.guest.sh --timeout 600 \
	--append 'kunit.filter=speed>very_slow'
for s in tests/e2e/*.sh; do
	s=$(basename "$s" .sh)
	case " $long " in *" $s "*) continue ;; esac
	case $s in *.guest) continue ;; esac
	case $s in *-armhf) [ $armhf = 1 ] || continue ;; esac
	job "e2e: $s" "tests/e2e/$s.sh"
done

# The harness must be able to fail: a failing KTAP document and a missing
# suite are counted as failures, a scenario whose peer is missing fails
# with a clear message, and a guest `not ok`, a kernel WARNING, kmemleak
# switched off and a hang each fail a boot; the console scan catches each
# kind of report, stamped or not.
harness_kunit_fails() {
	local res
	res=$(scripts/kunit-parse.sh --expect tests/harness/expect-missing.suites \
		tests/harness/failing.ktap | tail -n 1)
	echo "$res"
	[ "$res" = "KUNIT: 1 2" ]
}
job "harness: a failing KUnit case and a missing suite are counted as failed" harness_kunit_fails
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
job "harness: a scenario without its peer fails clearly" harness_no_peer
# harness_boot FIXTURE TIMEOUT PATTERN: the boot of tests/harness/FIXTURE
# fails, and the runner says PATTERN.
harness_boot() {
	local out
	if out=$(scripts/qemu-run.sh --name "harness-$1" --timeout "$2" \
		--guest "tests/harness/$1.guest.sh" 2>&1); then
		echo "the runner passed the $1 fixture"
		return 1
	fi
	echo "$out"
	grep -qE "$3" <<<"$out"
}
job "harness: a guest 'not ok' fails the boot" harness_boot not-ok 120 'guest verdict: fail'
job "harness: a kernel WARNING fails the boot" harness_boot warning 120 'kernel report on the console: .*WARNING: CPU'
job_idle "harness: a hung guest fails at the timeout" harness_boot hang 40 'did not finish within 40 s'
harness_kmemleak_off() {
	harness_boot kmemleak-off 120 'kmemleak' &&
		grep -aq '^SUITE-CHECK: not ok kmemleak found leaks or did not scan' \
			"$SUITE_CACHE/runs/harness-kmemleak-off/console.log"
}
job "harness: kmemleak switched off fails the boot" harness_kmemleak_off
harness_console_scan() {
	local f
	scripts/console-scan.sh tests/harness/console-clean.log || return 1
	for f in unstamped-warning rcu-stall hung-task soft-lockup kmemleak-off; do
		if scripts/console-scan.sh "tests/harness/console-$f.log"; then
			echo "console-scan passed console-$f.log"
			return 1
		fi
	done
}
job "harness: the console scan catches WARNING, RCU stall, hung task, soft lockup, kmemleak off" \
	harness_console_scan

# Distribution kernel builds.
job "distro headers: build against Debian's linux-headers-amd64" distro_build
job "Kbuild: every module built with its options as modules (=m)" kbuild_modular
job "distro headers: dkms build of btserdev" dkms_build
job "dkms: every module built and installed for the arm64 6.12 kernel" dkms_arm64
job "debian: serdev-suite-dkms built, installed with dpkg -i, in dkms status, purged" deb_package
job "packaging: Yocto's module class and Buildroot's kernel-module paths install every module" packaging_paths

# Lint.
mapfile -t csrc < <(git ls-files '*.c' '*.h')
for f in "${csrc[@]}"; do
	job "checkpatch --strict: $f" perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f "$f"
done
mapfile -t dtso < <(git ls-files '*.dtso' '*.dts')
for f in "${dtso[@]}"; do
	job "dtc -@ (warnings are errors): $f" scripts/dtc.sh "$f" "$logs/$(basename "$f").dtb"
done
mapfile -t yamls < <(git ls-files 'Documentation/devicetree/bindings/*.yaml')
for f in "${yamls[@]}"; do
	job "dt-doc-validate: $f" scripts/dt-check.sh "$f"
done
job "dt-validate: the examples of every binding" scripts/dt-examples.sh
job "dt: Raspberry Pi overlays merged into the boards' DTBs, validated, on uart0; wrong board refused" scripts/dt-boards.sh
job "coccinelle: ldisc-to-serdev.cocci on upstream line disciplines" \
	scripts/coccinelle/selftest.sh
mapfile -t shs < <(git ls-files '*.sh' 'scripts/guest/init' '.ci/run')
for f in "${shs[@]}"; do
	job "shellcheck: $f" shellcheck -x "$f"
done

# Host-side peers the project wrote are tested too.
job "peers: emulator self-tests (python unittest)" env PYTHONDONTWRITEBYTECODE=1 \
	/usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'

collect

# KUnit cases of both boots: the fuzz cases in kunit-fuzz, the rest in kunit.
kunit_count() {
	local run=$1 expect=$2 log=$logs/kunit-parse.$1.log kp kf
	scripts/kunit-parse.sh --expect "$expect" "$SUITE_CACHE/runs/$run/console.log" \
		>"$log" 2>&1
	sed -n 's/^/       | /p' "$log" | grep -v 'KUNIT:' |
		grep -E 'FAILED|CRASHED|SKIPPED|MISSING|ERROR|could not|no KUnit'
	read -r kp kf < <(sed -n 's/^KUNIT: //p' "$log")
	echo "       KUnit cases ($run): ${kp:-0} passed, ${kf:-1} failed"
	passed=$((passed + ${kp:-0}))
	failed=$((failed + ${kf:-1}))
}
kunit_count kunit tests/kunit/suites
kunit_count kunit-fuzz tests/kunit/fuzz.suites
[ $armhf = 0 ] || kunit_count kunit-armhf tests/kunit/suites
# How many inputs each fuzz case fed (it checks the count itself).
tr -d '\r' <"$SUITE_CACHE/runs/kunit-fuzz/console.log" |
	sed -n 's/^\[ *[0-9.]*\] *# \([a-z0-9_]*\): \(fuzz.*inputs.*\)$/       | \1: \2/p'

finish
