#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what serdev-suite needs from Debian's archive. Idempotent: packages
# already present are not fetched again.
set -euo pipefail

# Installed without Recommends, so what a Recommends would bring is named:
# the host compiler and C library for the kernel's host tools (gcc,
# libc6-dev), the arm64 and armhf C library headers for guest helpers
# (libc6-dev-arm64-cross, libc6-dev-armhf-cross), pymodbus's serial server
# (python3-serial-asyncio). openssl makes the test kernel's module signing
# key (the lockdown LSM selects MODULE_SIG). dpkg-buildpackage requires
# build-essential for any package, even one that compiles nothing.
host_pkgs=(
	linux-source-6.12 gcc libc6-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	make git flex bison bc libssl-dev openssl libelf-dev ccache cpio xz-utils kmod
	qemu-system-arm device-tree-compiler bluez bluez-test-tools busybox-static
	sparse shellcheck dt-schema python3 python3-pymodbus python3-serial
	python3-serial-asyncio mbpoll socat util-linux procps psmisc
	linux-headers-amd64 dkms coccinelle debhelper dh-dkms dpkg-dev build-essential
)

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# The guest root file system comes from Debian's arm64 packages. (The
# armhf guest's packages come through an apt state of its own: see
# scripts/rootfs.sh.)
arch_added=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	arch_added=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $arch_added = 1 ] ||
   ! apt-cache policy busybox-static:arm64 2>/dev/null | grep Candidate: | grep -qv none; then
	[ "$(id -u)" = 0 ] || { echo "error: need root to install: ${missing[*]}" >&2; exit 1; }
	echo ">>> apt-get update" >&2
	apt-get update -qq || { echo "error: apt-get update failed" >&2; exit 1; }
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo ">>> installing: ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null ||
		{ echo "error: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
fi
exit 0
