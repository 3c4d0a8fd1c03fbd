#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Validate the examples of every DT binding the suite defines, as the
# kernel's dt_binding_check does: extract each example, preprocess, compile
# with dtc and run dt-validate against a schema processed from the kernel
# tree's bindings plus the suite's (scripts/dt-schema.sh, cached). Any
# output is a failure.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for t in dt-extract-example dt-validate dtc; do
	command -v "$t" >/dev/null || die "$t missing: install dt-schema (scripts/deps.sh)"
done
ksrc=$(kernel_src)
mine=$SUITE_TOP/Documentation/devicetree/bindings
mapfile -t yamls < <(cd "$mine" && find . -name '*.yaml' | sort)
dir=$("$SUITE_TOP/scripts/dt-schema.sh")

status=0
for y in "${yamls[@]}"; do
	n=$(basename "$y" .yaml)
	w=$dir/$n
	dt-extract-example "$mine/$y" >"$w.dts"
	gcc -E -nostdinc -I "$ksrc/scripts/dtc/include-prefixes" -undef -D__DTS__ \
		-x assembler-with-cpp -o "$w.pp.dts" "$w.dts"
	out=$(dtc -O dtb -o "$w.dtb" -Wno-avoid_unnecessary_addr_size \
		-Wno-graph_child_address -Wno-interrupt_provider -Wno-unique_unit_address \
		-Wunique_unit_address_if_enabled "$w.pp.dts" 2>&1 &&
		dt-validate -s "$dir/processed.json" "$w.dtb" 2>&1) || status=1
	if [ -n "$out" ]; then
		echo "$y:"
		echo "$out"
		status=1
	else
		echo "ok: $y"
	fi
done
exit $status
