#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dkms-modules.sh KDIR SRC: the modules DKMS installs from the tree SRC for
# the kernel whose build tree is KDIR, one "NAME DIR/" a line. Kbuild
# decides, as for any build: each directory's Kbuild names the modules it
# builds for that kernel when SUITE_LIST_MODULES is set, read here with a
# dry run (make -n writes nothing). The KUnit suites are left out. ARCH
# and CROSS_COMPILE come from the environment, as for the build.
kdir=$1
src=$(cd "$2" && pwd -P) || exit 1
[ -d "$kdir" ] || exit 0
make -s -n -C "$kdir" M="$src" SUITE_LIST_MODULES=1 modules 2>/dev/null |
	sed -n "s#^serdev-suite-module: $src/\(.*\)/\([^/]*\)\$#\2 \1/#p"
