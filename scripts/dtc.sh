#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile one overlay (.dtso) or board file (.dts) to a blob, with the kernel
# tree's dt-bindings headers and every dtc warning treated as an error.
#   scripts/dtc.sh IN.dtso OUT.dtbo
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

in=$1 out=$2
src=$(kernel_src)
[ -d "$src/include/dt-bindings" ] || die "kernel tree missing at $src: run scripts/kernel.sh"
err=$(mktemp)
trap 'rm -f "$err" "$out.pp"' EXIT
cpp -nostdinc -undef -x assembler-with-cpp -D__DTS__ \
	-I "$src/include" -I "$src/scripts/dtc/include-prefixes" -I "$SUITE_TOP/dts" \
	"$in" -o "$out.pp" || die "preprocessing $in failed"
if ! dtc -@ -I dts -O dtb -o "$out" "$out.pp" 2>"$err" || [ -s "$err" ]; then
	sed "s|$out.pp|$in|g" "$err" >&2
	rm -f "$out"
	die "dtc: $in has warnings or errors"
fi
