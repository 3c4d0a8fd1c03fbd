#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the QEMU test kernel: Debian's linux-source-6.12, arm64 (or armhf
# with SUITE_ARCH=armhf, see lib.sh), allnoconfig plus the fragment. Output and ccache stay in the cache
# directory; an unchanged tree with an unchanged fragment is not rebuilt.
#
#   scripts/kernel.sh          build (or reuse) and print the build directory
#   scripts/kernel.sh --path   print the build directory only
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: install linux-source-6.12 (scripts/deps.sh)"
command -v "${KCROSS}gcc" >/dev/null || die "${KCROSS}gcc missing: install gcc-${KCROSS%-} (scripts/deps.sh)"

src=$(kernel_src)
if [ ! -f "$src/.extracted" ]; then
	note "extracting $KERNEL_TARBALL"
	mkdir -p "$SUITE_CACHE/src"
	rm -rf "$src"
	tar -C "$SUITE_CACHE/src" -xf "$KERNEL_TARBALL" || die "cannot extract $KERNEL_TARBALL"
	[ -f "$src/Makefile" ] || die "$KERNEL_TARBALL did not unpack to $src"
	touch "$src/.extracted"
fi

out=$(kernel_build_dir)
if [ "${1:-}" = --path ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out"

# Every CONFIG_X=... line of the fragment must be in the final .config.
unmet_symbols() {
	grep -E '^CONFIG_[A-Z0-9_]+=' "$KERNEL_FRAGMENT" | while IFS= read -r line; do
		grep -qxF "$line" "$out/.config" || echo "${line%%=*}"
	done
}

if [ ! -f "$out/.config.verified" ]; then
	note "configuring $out"
	kmake -s allnoconfig >/dev/null
	# Some symbols only become visible once others are set (MUX_GPIO after
	# MULTIPLEXER): merge and resolve until nothing more changes.
	for _pass in 1 2 3; do
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$KERNEL_FRAGMENT" >/dev/null
		kmake -s olddefconfig >/dev/null
		[ -z "$(unmet_symbols)" ] && break
	done
	unmet=$(unmet_symbols | tr '\n' ' ')
	[ -z "$unmet" ] || die "kernel fragment symbols did not take effect: $unmet"
	touch "$out/.config.verified"
fi

export CCACHE_DIR=${CCACHE_DIR:-$SUITE_CACHE/ccache}
stamp="$out/.built"
if [ -f "$stamp" ] && [ -f "$out/$KIMAGE" ] && [ -z "${KERNEL_FORCE:-}" ]; then
	note "kernel up to date: $out"
else
	note "building kernel in $out (cold: ~15-25 min on 2 cores; log: $out/build.log)"
	start=$(date +%s)
	if ! kmake -j"$(nproc)" CC="ccache ${KCROSS}gcc" HOSTCC="ccache gcc" \
		"$KIMAGE_TARGET" modules >"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" >&2
		die "kernel build failed (log: $out/build.log)"
	fi
	echo "$(( $(date +%s) - start ))" >"$out/.build-seconds"
	touch "$stamp"
	note "kernel built in $(cat "$out/.build-seconds") s"
fi
echo "$out"
