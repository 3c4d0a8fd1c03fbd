#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the KUnit run: load every suite module (each prints its own
# KTAP document on the console), then unload it so that kmemleak and the
# debug options see the teardown too. The host parses the console log.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

rel=$(uname -r)
for ko in /lib/modules/"$rel"/suite/*-test.ko; do
	[ -e "$ko" ] || { echo "no KUnit modules shipped"; exit 1; }
	m=$(basename "$ko" .ko)
	check "load $m" load_module "$m"
	check "unload $m" modprobe -r "$m"
done
exit 0
