# SPDX-License-Identifier: GPL-2.0
# Helpers for host-side end-to-end scenario scripts (tests/e2e/*.sh).
# shellcheck shell=bash
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# e2e_peer_dir NAME: a fresh directory for a scenario's host-side peers.
e2e_peer_dir() {
	local d=$SUITE_CACHE/peers/$1
	rm -rf "$d"
	mkdir -p "$d"
	echo "$d"
}
