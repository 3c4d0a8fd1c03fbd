#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Validate one of the suite's DT binding schemas with Debian's dt-schema
# (dt-doc-validate), against the kernel tree's bindings plus the suite's.
# dt-schema 2022.08 is older than 6.12's dt_binding_check gate, so the tool
# is called directly. An unresolved $ref only prints "Unable to find schema
# file" and exits 0: that message fails the check too.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

#
#   scripts/dt-check.sh FILE.yaml   prepare the bindings tree, validate FILE
#   scripts/dt-check.sh --prepare   prepare it only; later calls with
#                                   DT_CHECK_PREPARED=1 leave it alone (so
#                                   that several can run at once)

command -v dt-doc-validate >/dev/null || die "dt-doc-validate missing: install dt-schema (scripts/deps.sh)"
base=$SUITE_CACHE/bindings
if [ -z "${DT_CHECK_PREPARED:-}" ]; then
	src=$(kernel_src)/Documentation/devicetree/bindings
	[ -d "$src" ] || die "kernel bindings missing at $src: run scripts/kernel.sh"
	if [ ! -d "$base/.ok" ]; then
		rm -rf "$base"
		mkdir -p "$base"
		cp -a "$src/." "$base/"
		mkdir "$base/.ok"
	fi
	# The suite's bindings, laid over the kernel's at the same paths.
	(cd "$SUITE_TOP/Documentation/devicetree/bindings" && find . -name '*.yaml' -exec cp --parents -t "$base" {} +)
fi
[ "$1" = --prepare ] && exit 0
[ -d "$base/.ok" ] || die "$base is not prepared: run scripts/dt-check.sh --prepare"
yaml=$(realpath "$1")

# dt-doc-validate checks $id against the path below the bindings directory.
rel=${yaml#"$SUITE_TOP/Documentation/devicetree/bindings/"}
[ "$rel" != "$yaml" ] || die "$yaml is not below Documentation/devicetree/bindings"
# Any output is a finding: the tool exits 0 on several of them.
out=$(cd "$base" && dt-doc-validate -u "$base" "$rel" 2>&1) || true
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
