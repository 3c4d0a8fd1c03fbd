#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Raspberry Pi overlays (dts/overlays/rpi-*.dtso) against the boards
# they are for, as a board owner's boot firmware or fdtoverlay applies
# them: each board's DTB is built from the kernel tree's own sources (with
# symbols, -@), each overlay is merged with fdtoverlay and the merged tree
# is checked with dt-validate against the kernel's bindings plus the
# suite's (scripts/dt-schema.sh). An overlay may add no dt-validate message
# the board's own tree does not have, except the two listed below, which
# are gaps in upstream's 6.12 schemas. Then the nodes must sit on the
# board's uart0, and an overlay applied to the wrong board (QEMU's virt,
# which has no &bt) must fail with fdtoverlay's message.
#   scripts/dt-boards.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for t in fdtoverlay fdtget dt-validate; do
	command -v "$t" >/dev/null || die "$t missing: install device-tree-compiler and dt-schema (scripts/deps.sh)"
done
kdir=$("$SUITE_TOP/scripts/kernel.sh" --path)
schema=$("$SUITE_TOP/scripts/dt-schema.sh")/processed.json
out=$SUITE_CACHE/dt-boards
rm -rf "$out"
mkdir -p "$out"
boards=(bcm2837-rpi-3-b bcm2837-rpi-3-b-plus bcm2711-rpi-4-b)
uart=/soc/serial@7e201000

# Known gaps of upstream's schemas, not of the overlays:
# - serial.yaml allows a UART only children named bluetooth, gnss, mcu...;
#   a serdev-mux node (rs485) is none of them;
# - pl011.yaml does not reference rs485.yaml, though the PL011 driver reads
#   those properties (uart_get_rs485_mode()).
declare -A allowed=(
	[rpi-rs485-de-gpio]="serial@7e201000: Unevaluated properties are not allowed ('rs485' was unexpected)"
	[rpi-rs485-uart]="serial@7e201000: Unevaluated properties are not allowed ('linux,rs485-enabled-at-boot-time', 'rs485', 'rs485-rts-delay' were unexpected)"
)

# messages DTB: dt-validate's findings, without the file name and the
# "From schema" lines, sorted. dt-validate takes seconds a board: its
# findings are kept, keyed by the DTB's and the schema's contents.
messages() {
	local key
	key=$(cat "$1" "$schema" | sha256sum | cut -c1-16)
	if [ ! -f "$SUITE_CACHE/dt-validated/$key" ]; then
		mkdir -p "$SUITE_CACHE/dt-validated"
		dt-validate -s "$schema" "$1" 2>&1 | grep -v '^[[:space:]]*From schema:' |
			sed "s|^$1: ||" | sort >"$SUITE_CACHE/dt-validated/$key.tmp"
		mv "$SUITE_CACHE/dt-validated/$key.tmp" "$SUITE_CACHE/dt-validated/$key"
	fi
	cat "$SUITE_CACHE/dt-validated/$key"
}

status=0
fail() { echo "FAIL: $*"; status=1; }

dtbs=()
for b in "${boards[@]}"; do dtbs+=("broadcom/$b.dtb"); done
make -s -C "$kdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- DTC_FLAGS=-@ "${dtbs[@]}" \
	>"$out/dtbs.log" 2>&1 || { cat "$out/dtbs.log"; die "the boards' DTBs do not build"; }

for o in "$SUITE_TOP"/dts/overlays/rpi-*.dtso; do
	n=$(basename "$o" .dtso)
	"$SUITE_TOP/scripts/dtc.sh" "$o" "$out/$n.dtbo" || die "$o does not compile"
done

for b in "${boards[@]}"; do
	base=$kdir/arch/arm64/boot/dts/broadcom/$b.dtb
	messages "$base" >"$out/$b.msgs"
	for o in "$SUITE_TOP"/dts/overlays/rpi-*.dtso; do
		n=$(basename "$o" .dtso)
		m=$out/$b+$n.dtb
		if ! fdtoverlay -i "$base" -o "$m" "$out/$n.dtbo" 2>"$out/$b+$n.err"; then
			fail "$n does not apply to $b: $(cat "$out/$b+$n.err")"
			continue
		fi
		messages "$m" >"$out/$b+$n.msgs"
		new=$(comm -13 "$out/$b.msgs" "$out/$b+$n.msgs")
		if [ "$new" != "${allowed[$n]:-}" ]; then
			fail "$n on $b: dt-validate says what the board's tree does not:"
			echo "$new"
			[ -z "${allowed[$n]:-}" ] || echo "(expected only: ${allowed[$n]})"
			continue
		fi
		case $n in
		rpi-bt-btserdev)
			if [ "$(fdtget "$m" "$uart/bluetooth" compatible)" != serdev-suite,bt-bcm ] ||
				! fdtget "$m" "$uart/bluetooth" shutdown-gpios >/dev/null; then
				fail "$n on $b: no btserdev node with the board's shutdown-gpios on uart0"
				continue
			fi
			;;
		rpi-rs485-*)
			if [ "$(fdtget "$m" "$uart/rs485" compatible)" != serdev-suite,rs485-bus ] ||
				[ "$(fdtget "$m" "$uart/rs485/port@2/meter" label)" != "heat pump" ] ||
				[ "$(fdtget "$m" "$uart/bluetooth" status)" != disabled ]; then
				fail "$n on $b: the bus is not on uart0, or Bluetooth still is"
				continue
			fi
			;;
		esac
		gap=""
		[ -z "${allowed[$n]:-}" ] || gap=" but for the upstream schema gap"
		echo "ok: $n on $b (merged, validated$gap, on uart0)"
	done
done

# The wrong board: QEMU's virt machine has no &bt label.
qemu-system-aarch64 -machine virt -cpu cortex-a57 -nic none -display none \
	-machine dumpdtb="$out/virt.dtb" >"$out/dumpdtb.log" 2>&1 ||
	{ cat "$out/dumpdtb.log"; die "QEMU could not dump the virt DTB"; }
if fdtoverlay -i "$out/virt.dtb" -o "$out/wrong.dtb" "$out/rpi-bt-btserdev.dtbo" 2>"$out/wrong.err"; then
	fail "rpi-bt-btserdev applied to QEMU's virt board, which has no &bt"
else
	echo "ok: rpi-bt-btserdev on QEMU's virt board refused: $(tr '\n' ' ' <"$out/wrong.err")"
fi
exit $status
