#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Process the DT binding schemas once for dt-validate: the kernel tree's
# bindings plus the suite's, keyed by their contents, cached. Prints the
# directory holding processed.json (and the bindings it was made from).
#   scripts/dt-schema.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

command -v dt-mk-schema >/dev/null || die "dt-mk-schema missing: install dt-schema (scripts/deps.sh)"
ksrc=$(kernel_src)
[ -d "$ksrc/Documentation/devicetree/bindings" ] || die "kernel bindings missing: run scripts/kernel.sh"
mine=$SUITE_TOP/Documentation/devicetree/bindings
mapfile -t yamls < <(cd "$mine" && find . -name '*.yaml' | sort)
key=$( { basename "$ksrc"; (cd "$mine" && cat "${yamls[@]}"); } | sha256sum | cut -c1-12)
dir=$SUITE_CACHE/dt-examples/$key
if [ ! -f "$dir/processed.json" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/bindings"
	cp -a "$ksrc/Documentation/devicetree/bindings/." "$dir/bindings/"
	(cd "$mine" && cp --parents -t "$dir/bindings" "${yamls[@]}")
	find "$dir/bindings" -name '*.yaml' >"$dir/list"
	dt-mk-schema -j @"$dir/list" >"$dir/processed.json.tmp" 2>"$dir/mk.err" ||
		{ cat "$dir/mk.err" >&2; exit 1; }
	mv "$dir/processed.json.tmp" "$dir/processed.json"
fi
echo "$dir"
