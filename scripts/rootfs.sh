#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's base initramfs from Debian arm64 packages (apt-get
# download, multiarch): busybox, BlueZ tools and lm-sensors with the shared
# libraries they need, plus the guest init. Cached by the hash of this script
# and the guest files; prints the path of the cpio.gz.
#
# With SUITE_ARCH=armhf: busybox alone (static), from Debian's armhf
# packages through an apt state of this script's own in the cache, so that
# the host's dpkg needs no armhf architecture (its security index is not
# needed either: the guest is a throwaway test machine).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs=(busybox-static libc6 bluez bluez-test-tools lm-sensors libsensors5
      libreadline8 libtinfo6 libglib2.0-0 libudev1 libpcre2-8-0 util-linux
      libmodbus5 libmodbus-dev mbpoll
      # bluetoothd and bluetoothctl on the system bus (dbus-daemon)
      dbus-daemon libdbus-1-3 libexpat1 libsystemd0 libapparmor1 libaudit1
      libcap-ng0 libselinux1 libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5
      libzstd1 libasound2 libdw1 libelf1 libbz2-1.0 zlib1g)
# Architecture-independent packages.
all_pkgs=(libsensors-config)
# Binaries copied into the guest (from the packages above).
bins=(hciconfig btmgmt btattach l2ping btmon l2test hcitool sensors ldattach btvirt
      rtcwake bluetoothctl dbus-daemon mbpoll)

guest=$SUITE_TOP/scripts/guest
hash=$(cat "$0" "$guest"/* | sha256sum | cut -c1-12)
prefix=""
[ "$SUITE_ARCH" = arm64 ] || prefix=$SUITE_ARCH-
dir=$SUITE_CACHE/rootfs/$prefix$hash
if [ -f "$dir/base.cpio.gz" ]; then
	echo "$dir/base.cpio.gz"
	exit 0
fi

note "building guest rootfs in $dir"
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/stage" "$dir/root"
chmod 777 "$dir/debs"

# The busybox applets the guest scripts use.
applets="sh ash cat echo ls mount umount mkdir mknod sleep grep sed awk tr
	cut head tail wc insmod rmmod modprobe lsmod poweroff reboot dmesg
	timeout kill ps seq test [ printf od hexdump stat readlink find
	ln rm cp mv true false uname date xargs basename dirname md5sum
	sha256sum tee env expr setsid cttyhack ip ifconfig chmod sort uniq
	watch usleep pidof killall stty dd which mkfifo"

# pack ROOT: the initramfs of ROOT, replacing older ones of this board.
pack() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$dir/base.cpio.gz.tmp"
	mv "$dir/base.cpio.gz.tmp" "$dir/base.cpio.gz"
	rm -rf "$dir/stage" "$dir/debs" "$dir/apt"
	if [ -n "$prefix" ]; then
		find "$SUITE_CACHE/rootfs" -mindepth 1 -maxdepth 1 -name "$prefix*" \
			! -name "$prefix$hash" -exec rm -rf {} +
	else
		find "$SUITE_CACHE/rootfs" -mindepth 1 -maxdepth 1 ! -name "$hash" \
			! -name '*-*' -exec rm -rf {} +
	fi
	echo "$dir/base.cpio.gz"
}

if [ "$SUITE_ARCH" != arm64 ]; then
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources"
	st=$dir/apt
	mkdir -p "$st/lists/partial" "$st/cache/archives/partial"
	echo "deb [arch=$DEB_ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" \
		>"$st/sources.list"
	apt_own=(-o Dir::Etc::SourceList="$st/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		 -o Dir::State::Lists="$st/lists" -o Dir::Cache="$st/cache"
		 -o APT::Architecture="$DEB_ARCH" -o APT::Architectures::="$DEB_ARCH"
		 -o Debug::NoLocking=1)
	if ! apt-get "${apt_own[@]}" update >"$dir/download.log" 2>&1 ||
	   ! (cd "$dir/debs" && apt-get "${apt_own[@]}" download busybox-static \
		>>"$dir/download.log" 2>&1); then
		tail -n 5 "$dir/download.log" >&2
		die "apt-get download of $DEB_ARCH busybox-static failed"
	fi
	dpkg-deb -x "$dir"/debs/busybox-static_*.deb "$dir/stage" || die "cannot unpack busybox-static"
	root=$dir/root
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,etc,proc,sys,dev,tmp,run,mnt,root,lib/modules,lib/firmware}
	cp "$dir/stage/bin/busybox" "$root/bin/busybox"
	for a in $applets; do
		ln -sf /bin/busybox "$root/bin/$a"
	done
	install -m 0755 "$guest/init" "$root/init"
	cp "$guest/lib.sh" "$root/lib/suite.sh"
	pack "$root"
	exit 0
fi

specs=()
for p in "${pkgs[@]}"; do specs+=("$p:arm64"); done
specs+=("${all_pkgs[@]}")
(cd "$dir/debs" && apt-get download "${specs[@]}" >"$dir/download.log" 2>&1) || {
	tail -n 5 "$dir/download.log" >&2
	die "apt-get download of arm64 packages failed (is arm64 enabled? run scripts/deps.sh)"
}
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir/stage" || die "cannot unpack $d"
done

root=$dir/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,mnt,root,lib/modules,lib/firmware,usr/lib}
cp "$dir/stage/bin/busybox" "$root/bin/busybox"
# The busybox binary is arm64: list its applets from the package's docs is
# fragile, so link the ones the guest scripts use.
for a in $applets; do
	ln -sf /bin/busybox "$root/bin/$a"
done

find_in_stage() {
	local f
	for f in "$dir/stage/usr/bin/$1" "$dir/stage/bin/$1" "$dir/stage/usr/sbin/$1" \
		 "$dir/stage/sbin/$1"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

find_lib() {
	local f
	for f in "$dir/stage/lib/aarch64-linux-gnu/$1" \
		 "$dir/stage/usr/lib/aarch64-linux-gnu/$1" "$dir/stage/lib/$1"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

declare -A seen=()
copy_needed() {
	local lib path
	for lib in $(aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
		[ -n "${seen[$lib]:-}" ] && continue
		seen[$lib]=1
		path=$(find_lib "$lib") || die "guest library $lib (needed by $(basename "$1")) not in the arm64 packages"
		cp -L "$path" "$root/lib/$lib"
		copy_needed "$root/lib/$lib"
	done
}

for b in "${bins[@]}"; do
	src=$(find_in_stage "$b") || die "guest binary $b not found in the arm64 packages"
	cp "$src" "$root/usr/bin/$b"
	copy_needed "$root/usr/bin/$b"
done
# bluetoothd lives in libexec; the system bus gets a configuration of the
# guest's own (scripts/guest/dbus-system.conf: root only, everything allowed).
install -D -m 0755 "$dir/stage/usr/libexec/bluetooth/bluetoothd" "$root/usr/libexec/bluetooth/bluetoothd" ||
	die "bluetoothd not in the arm64 bluez package"
copy_needed "$root/usr/libexec/bluetooth/bluetoothd"
install -D -m 0644 "$guest/dbus-system.conf" "$root/etc/dbus-1/system.conf"
mkdir -p "$root/var/lib/bluetooth" "$root/run/dbus"
ln -sfn /run "$root/var/run"
ld=$(find_lib ld-linux-aarch64.so.1) || die "arm64 dynamic loader missing"
cp -L "$ld" "$root/lib/ld-linux-aarch64.so.1"
mkdir -p "$root/lib/aarch64-linux-gnu"
cp -L "$ld" "$root/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"
cp -a "$dir/stage/etc/sensors3.conf" "$root/etc/" 2>/dev/null || true
mkdir -p "$root/etc/sensors.d"
echo "/lib" >"$root/etc/ld.so.conf"

cp "$guest/init" "$root/init"
cp "$guest/lib.sh" "$root/lib/suite.sh"
# The guest's own helpers, in C (linked against the guest's glibc).
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -o "$root/usr/bin/pty-relay" \
	"$guest/pty-relay.c" || die "pty-relay does not build"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -o "$root/usr/bin/frame-relay" \
	"$guest/frame-relay.c" || die "frame-relay does not build"
# The benchmarks' userspace Modbus master, on Debian's libmodbus.
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -I"$dir/stage/usr/include/modbus" \
	-o "$root/usr/bin/mb-poll" "$guest/mb-poll.c" \
	-L"$dir/stage/usr/lib/aarch64-linux-gnu" -lmodbus || die "mb-poll does not build"
copy_needed "$root/usr/bin/mb-poll"
chmod +x "$root/init"

# Older rootfs builds are never used again.
pack "$root"
