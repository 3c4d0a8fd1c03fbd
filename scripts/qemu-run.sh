#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the serdev-suite QEMU board (arm64 virt, console on hvc0, PL011 free
# for the device under test) and return the guest's verdict as exit status.
# SUITE_ARCH=armhf boots the 32-bit board instead (scripts/lib.sh).
#
# Options:
#   --name NAME         run name; the run directory is $SUITE_CACHE/runs/NAME
#   --overlay FILE      a .dtso merged into QEMU's own virt DTB after the
#                       board's simulated hardware (repeatable)
#   --serial SPEC       what the PL011 is wired to: unix:PATH (a socket a peer
#                       listens on), tcp:HOST:PORT, or none (default)
#   --guest FILE        the scenario script run by the guest's /init
#   --file SRC:DST      an extra file copied into the guest (repeatable)
#   --modules           ship the suite's built modules (modprobe NAME works)
#   --timeout SEC       hard limit for the whole boot (default 180)
#   --interactive       console on this terminal, a shell after the scenario
#   --qemu ARG          extra QEMU argument (repeatable)
#   --append ARG        extra kernel command-line argument (repeatable)
# A guest that panics, oopses, hangs or never reports fails, and so does a
# console that shows a kernel WARNING, BUG, KASAN, UBSAN or lockdep report.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

name=board overlays=() serial=none guest="" files=() modules=0 timeout=180
interactive=0 extra=() cmdline=()
while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2; shift ;;
	--overlay) overlays+=("$2"); shift ;;
	--serial) serial=$2; shift ;;
	--guest) guest=$2; shift ;;
	--file) files+=("$2"); shift ;;
	--modules) modules=1 ;;
	--timeout) timeout=$2; shift ;;
	--interactive) interactive=1 ;;
	--qemu) extra+=("$2"); shift ;;
	--append) cmdline+=("$2"); shift ;;
	*) die "qemu-run: unknown option $1" ;;
	esac
	shift
done

command -v "$QEMU_SYSTEM" >/dev/null || die "$QEMU_SYSTEM missing (scripts/deps.sh)"
kbuild=$("$SUITE_TOP/scripts/kernel.sh" --path)
image=$kbuild/$KIMAGE
[ -f "$image" ] || die "no test kernel at $image: run scripts/kernel.sh"
base=$("$SUITE_TOP/scripts/rootfs.sh")

run=${RUN_DIR:-$SUITE_CACHE/runs/$name}
rm -rf "$run"
mkdir -p "$run/extra"
log=$run/console.log

# Per-run initramfs: the scenario, extra files and modules, appended to the
# cached base (the kernel unpacks concatenated archives in order).
if [ -n "$guest" ]; then
	[ -f "$guest" ] || die "guest script $guest not found"
	install -m 0755 "$guest" "$run/extra/scenario.sh"
fi
for f in "${files[@]}"; do
	src=${f%%:*} dst=${f#*:}
	[ -e "$src" ] || die "guest file $src not found"
	mkdir -p "$run/extra/$(dirname "$dst")"
	cp -a "$src" "$run/extra/$dst"
done
if [ $modules = 1 ]; then
	rel=$(cat "$kbuild/include/config/kernel.release")
	mdir=$run/extra/lib/modules/$rel
	mkdir -p "$mdir/suite"
	# The modules of the last build only (modules.order), not a stale
	# .ko of one that Kbuild no longer builds.
	[ -s "$SUITE_TOP/modules.order" ] || die "no built modules: run make first"
	mods=$(sed 's/\.o$/.ko/' "$SUITE_TOP/modules.order")
	for m in $mods; do
		[ -f "$m" ] || die "$m is listed in modules.order but not built: run make"
	done
	# shellcheck disable=SC2086
	cp $mods "$mdir/suite/"
	touch "$mdir/modules.order" "$mdir/modules.builtin" "$mdir/modules.builtin.modinfo"
	depmod -b "$run/extra" "$rel" || die "depmod failed for the suite's modules"
fi
(cd "$run/extra" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$run/extra.cpio.gz"
cat "$base" "$run/extra.cpio.gz" >"$run/initrd.gz"

case $serial in
none) serial_args=(-serial null) ;;
unix:*)
	[ -S "${serial#unix:}" ] || die "peer socket ${serial#unix:} does not exist: the peer did not start"
	serial_args=(-chardev "socket,id=uart0,path=${serial#unix:}" -serial chardev:uart0) ;;
tcp:*)
	hp=${serial#tcp:}
	serial_args=(-chardev "socket,id=uart0,host=${hp%:*},port=${hp##*:}" -serial chardev:uart0) ;;
*) die "qemu-run: bad --serial $serial" ;;
esac

# shellcheck disable=SC2054 # QEMU option values contain commas
machine=(-machine "$QEMU_MACHINE" -cpu "$QEMU_CPU" -smp "${SUITE_SMP:-$QEMU_SMP}" -m 1024 -nographic -nic none
	 -no-reboot -device virtio-serial-device
	 -device qemu-xhci,id=xhci,addr=0x2)

# The board's DTB: QEMU's own, dumped with the same machine options, plus
# the overlays.
"$QEMU_SYSTEM" "${machine[@]}" -machine dumpdtb="$run/virt.dtb" \
	-display none >"$run/dumpdtb.log" 2>&1 || {
	cat "$run/dumpdtb.log" >&2
	die "QEMU could not dump the virt DTB"
}
dtbos=()
for o in "$SUITE_TOP/dts/overlays/qemu-virt-sim.dtso" "${overlays[@]}"; do
	out=$run/$(basename "$o" .dtso).dtbo
	"$SUITE_TOP/scripts/dtc.sh" "$o" "$out" || die "overlay $o does not compile"
	dtbos+=("$out")
done
fdtoverlay -i "$run/virt.dtb" -o "$run/board.dtb" "${dtbos[@]}" ||
	die "fdtoverlay could not apply ${overlays[*]}"
dtb=$run/board.dtb

append="console=hvc0 panic=-1 oops=panic${cmdline[*]:+ ${cmdline[*]}}"
# Only a kernel built without kmemleak (the benchmarks' no-debug kernel)
# boots without the scan; for every other the scan must run to its end.
kmemleak=1
grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "$kbuild/.config" || { kmemleak=0; append+=" suite.nokmemleak=1"; }
if [ $interactive = 1 ]; then
	append+=" suite.shell=1"
	con=(-chardev "stdio,id=con,signal=off,logfile=$log")
else
	con=(-chardev "file,id=con,path=$log")
fi

"$QEMU_SYSTEM" "${machine[@]}" -kernel "$image" -initrd "$run/initrd.gz" \
	-dtb "$dtb" -append "$append" "${con[@]}" -device virtconsole,chardev=con \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" -monitor none \
	"${serial_args[@]}" "${extra[@]}" 2>"$run/qemu.err" &
qpid=$!
start=$(date +%s.%N)

qrc=0
if [ $interactive = 1 ]; then
	wait $qpid || qrc=$?
else
	waited=0
	while kill -0 $qpid 2>/dev/null; do
		if [ $waited -ge $((timeout * 10)) ]; then
			kill -9 $qpid 2>/dev/null || true
			wait $qpid 2>/dev/null || true
			echo "timeout" >"$run/status"
			break
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	wait $qpid 2>/dev/null || qrc=$?
fi
end=$(date +%s.%N)
echo "$start $end" | awk '{printf "%.1f\n", $2 - $1}' >"$run/seconds"
touch "$log"

fail() {
	echo "FAIL: $name: $*" >&2
	echo "--- last console lines ($log) ---" >&2
	tail -n 25 "$log" >&2
	exit 1
}

if [ -s "$run/qemu.err" ]; then
	grep -v 'terminating on signal' "$run/qemu.err" >&2 || true
fi
[ -f "$run/status" ] && fail "guest did not finish within ${timeout} s (hang)"
# QEMU killed by a signal it raised itself (7.2's usb-serial segfaults when
# a byte from its chardev arrives after the adapter was unplugged): no
# verdict on the guest either way. Exit status 3 says so to make test.
if [ "$qrc" -gt 128 ]; then
	echo "FAIL: $name: QEMU itself died of signal $((qrc - 128)): no verdict on the guest" >&2
	tail -n 25 "$log" >&2
	exit 3
fi
[ -s "$log" ] || fail "QEMU produced no console output (did not boot: $(head -c 300 "$run/qemu.err"))"

if ! bad=$("$SUITE_TOP/scripts/console-scan.sh" "$log"); then
	fail "kernel report on the console: $(echo "$bad" | head -n 1)"
fi
grep -aq '^SUITE-CHECK: not ok kmemleak' "$log" && fail "kmemleak found leaks"
verdict=$(tr -d '\r' <"$log" | grep -a '^SUITE-VERDICT:' | tail -n 1 || true)
if [ $interactive = 1 ] && [ -z "$guest" ]; then
	exit 0
fi
[ -n "$verdict" ] || fail "guest never reported a verdict"
# A verdict counts only after a kmemleak scan that ran to its end.
[ $kmemleak = 0 ] || tr -d '\r' <"$log" | grep -aqx 'SUITE-KMEMLEAK: scan done' ||
	fail "no kmemleak scan completed before the verdict"
case $verdict in
"SUITE-VERDICT: pass") exit 0 ;;
*) fail "guest verdict: ${verdict#SUITE-VERDICT: }" ;;
esac
