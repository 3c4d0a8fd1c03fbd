# SPDX-License-Identifier: GPL-2.0
# Shared settings for serdev-suite scripts: sourced, never run.
# shellcheck shell=bash

SUITE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUITE_CACHE=${SERDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serdev-suite}
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# The board: arm64 (the default, two cores) or armhf, a 32-bit ARM board
# (QEMU's virt with one Cortex-A15) for what only shows with a 32-bit long
# or on one core without preemption, as on the usual single-core RS485
# gateways (Cortex-A7/A8).
SUITE_ARCH=${SUITE_ARCH:-arm64}
# shellcheck disable=SC2034 # used by the scripts that source this file
case $SUITE_ARCH in
arm64)
	KARCH=arm64 KCROSS=aarch64-linux-gnu- KIMAGE=arch/arm64/boot/Image
	KIMAGE_TARGET=Image DEB_ARCH=arm64 QEMU_SYSTEM=qemu-system-aarch64
	QEMU_MACHINE=virt QEMU_CPU=cortex-a57 QEMU_SMP=2 ;;
armhf)
	# No LPAE: the PCI window above 4 GiB stays off (highmem=off).
	KARCH=arm KCROSS=arm-linux-gnueabihf- KIMAGE=arch/arm/boot/zImage
	KIMAGE_TARGET=zImage DEB_ARCH=armhf QEMU_SYSTEM=qemu-system-arm
	QEMU_MACHINE=virt,highmem=off QEMU_CPU=cortex-a15 QEMU_SMP=1 ;;
*)
	echo "error: SUITE_ARCH=$SUITE_ARCH: arm64 or armhf" >&2
	exit 1 ;;
esac
# The armhf kernel is the test fragment (less its 64-bit line) plus
# scripts/kernel/armhf.config, merged into one file in the cache.
if [ -z "${KERNEL_FRAGMENT:-}" ]; then
	KERNEL_FRAGMENT=$SUITE_TOP/scripts/kernel/test.config
	if [ "$SUITE_ARCH" = armhf ]; then
		# Written aside and renamed: checks that run side by side source
		# this file at once and must never read half of it.
		mkdir -p "$SUITE_CACHE/armhf"
		sed '/^CONFIG_64BIT=/d' "$KERNEL_FRAGMENT" \
			"$SUITE_TOP/scripts/kernel/armhf.config" >"$SUITE_CACHE/armhf/test.config.$$"
		if cmp -s "$SUITE_CACHE/armhf/test.config.$$" "$SUITE_CACHE/armhf/test.config"; then
			rm -f "$SUITE_CACHE/armhf/test.config.$$"
		else
			mv "$SUITE_CACHE/armhf/test.config.$$" "$SUITE_CACHE/armhf/test.config"
		fi
		KERNEL_FRAGMENT=$SUITE_CACHE/armhf/test.config
	fi
fi

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo ">>> $*" >&2
}

# The extracted kernel tree (read-only after extraction).
kernel_src() {
	echo "$SUITE_CACHE/src/$(basename "$KERNEL_TARBALL" .tar.xz)"
}

kernel_version() {
	local src
	src=$(kernel_src)
	[ -f "$src/Makefile" ] || die "kernel tree missing at $src: run scripts/kernel.sh"
	awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
	     END{print v "." p "." s}' "$src/Makefile"
}

# The build directory: keyed by kernel version and the fragment's hash, so
# a changed fragment gets its own tree and an unchanged one is reused.
kernel_build_dir() {
	local hash
	hash=$(sha256sum "$KERNEL_FRAGMENT" | cut -c1-12)
	local arch=""
	[ "$SUITE_ARCH" = arm64 ] || arch=-$SUITE_ARCH
	echo "$SUITE_CACHE/build/linux-$(kernel_version)-$hash$arch"
}

kmake() {
	make -C "$(kernel_src)" O="$(kernel_build_dir)" ARCH=$KARCH \
		CROSS_COMPILE="$KCROSS" "$@"
}

# The test fragment without its debug section (from its header to the
# blank line that ends it, nothing else), for benchmarks that measure what
# the debug options cost; prints the file's path.
nodebug_fragment() {
	local f=$SUITE_CACHE/bench/test-nodebug.config
	mkdir -p "$(dirname "$f")"
	sed '/^# Debug options/,/^$/d' "$SUITE_TOP/scripts/kernel/test.config" >"$f"
	grep -q '^CONFIG_SERIO=' "$f" || die "nodebug_fragment: more than the debug section went"
	echo "$f"
}

# median_spread VALUE...: "MEDIAN MIN MAX" of the numbers, for benchmarks
# that report the median of their rounds with the spread (never the best).
median_spread() {
	[ $# -gt 0 ] || die "median_spread: no values"
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}
