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

# Host-side peers started by e2e_btvirt and e2e_python_peer, stopped by
# e2e_stop_peers (installed as the EXIT trap by e2e_btvirt).
E2E_PIDS=()
E2E_BTVIRT_DIR=""

e2e_stop_peers() {
	local pid
	for pid in "${E2E_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	E2E_PIDS=()
	if [ -n "$E2E_BTVIRT_DIR" ]; then
		"$SUITE_TOP/scripts/peers/btvirt.sh" stop "$E2E_BTVIRT_DIR"
	fi
}

# e2e_btvirt DIR: start BlueZ's btvirt; its socket is DIR/bt-server-bredr.
e2e_btvirt() {
	E2E_BTVIRT_DIR=$1
	"$SUITE_TOP/scripts/peers/btvirt.sh" start "$1" >/dev/null
	trap e2e_stop_peers EXIT
}

# e2e_btvirt_uarts DIR: btvirt (as e2e_btvirt DIR) behind both of the
# board's UARTs, the PL011 and QEMU's FTDI adapter (ttyUSB0), so that two
# controllers of one btvirt can talk. Each UART reaches it through
# h4-fault.py with no fault (record DIR/pl011.json, DIR/usb.json): whole
# packets, since btvirt 5.66 mis-reads an ACL header split across reads.
# Sets E2E_BT_UARTS to the qemu-run.sh arguments that wire both UARTs.
e2e_btvirt_uarts() {
	local dir=$1 uart
	e2e_btvirt "$dir"
	for uart in pl011 usb; do
		e2e_python_peer "$dir/$uart.sock" "$dir/$uart.log" h4-fault.py \
			--listen "$dir/$uart.sock" --upstream "$dir/bt-server-bredr" \
			--record "$dir/$uart.json"
	done
	# shellcheck disable=SC2034 # read by the script that sources this file
	E2E_BT_UARTS=(--serial "unix:$dir/pl011.sock"
		--qemu -chardev --qemu "socket,id=u0,path=$dir/usb.sock"
		--qemu -device --qemu "usb-serial,id=ftdi,chardev=u0,bus=xhci.0")
}

# e2e_ftdi_relay DIR: btvirt (started before, as e2e_btvirt DIR) behind
# QEMU's FTDI adapter through h4-fault.py with no fault (record
# DIR/usb.json), for a second controller attached in the guest. Sets
# E2E_FTDI_ARGS to the qemu-run.sh arguments that wire the adapter.
e2e_ftdi_relay() {
	local dir=$1
	e2e_python_peer "$dir/usb.sock" "$dir/usb.log" h4-fault.py \
		--listen "$dir/usb.sock" --upstream "$dir/bt-server-bredr" \
		--record "$dir/usb.json"
	# shellcheck disable=SC2034 # read by the script that sources this file
	E2E_FTDI_ARGS=(--qemu -chardev --qemu "socket,id=u0,path=$dir/usb.sock"
		--qemu -device --qemu "usb-serial,id=ftdi,chardev=u0,bus=xhci.0")
}

# e2e_rtl DIR MKRTL_ARGS... [-- RTL_EMU_ARGS...]: btvirt (as e2e_btvirt
# DIR); the project's synthetic RTL8723BS firmware and config file
# (mkrtl.py MKRTL_ARGS; in DIR/fw, the image btrtl will build from them in
# DIR/image.json); the Realtek H5 emulator on DIR/rtl.sock handing over to
# btvirt (rtl-emu.py RTL_EMU_ARGS; record DIR/record.json, written when
# QEMU goes: e2e_wait_exit "$E2E_RTL_PID"). Sets E2E_RTL_ARGS to the
# qemu-run.sh arguments that put the emulator behind the PL011 and both
# files in /lib/firmware/rtl_bt.
e2e_rtl() {
	local dir=$1 mk=() f
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		mk+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	e2e_btvirt "$dir"
	/usr/bin/python3 "$SUITE_TOP/scripts/peers/mkrtl.py" --chip rtl8723bs --out "$dir/fw" \
		--json "$dir/image.json" "${mk[@]}" >/dev/null
	e2e_python_peer "$dir/rtl.sock" "$dir/rtl-emu.log" rtl-emu.py \
		--listen "$dir/rtl.sock" --upstream "$dir/bt-server-bredr" \
		--record "$dir/record.json" --chip rtl8723bs "$@"
	# shellcheck disable=SC2034 # read by the script that sources this file
	E2E_RTL_PID=${E2E_PIDS[-1]}
	E2E_RTL_ARGS=(--serial "unix:$dir/rtl.sock")
	for f in fw config; do
		E2E_RTL_ARGS+=(--file "$dir/fw/rtl_bt/rtl8723bs_$f.bin:lib/firmware/rtl_bt/rtl8723bs_$f.bin")
	done
}

# e2e_wait_exit PID: wait up to 5 s for a peer to exit (and write its
# record) once QEMU has gone.
e2e_wait_exit() {
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
}

# e2e_python_peer SOCKET LOG SCRIPT ARGS...: run one of the project's
# Python peers (scripts/peers/SCRIPT) and wait until it listens on SOCKET.
e2e_python_peer() {
	local sock=$1 log=$2 script=$3 pid
	shift 3
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$SUITE_TOP/scripts/peers/$script" \
		"$@" >"$log" 2>&1 &
	pid=$!
	E2E_PIDS+=("$pid")
	for _ in $(seq 50); do
		[ -S "$sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || die "$script exited at start: $(tail -n 3 "$log")"
		sleep 0.1
	done
	die "$script did not listen on $sock within 5 s (log: $log)"
}

# bench_on_nodebug SCRIPT ARGS...: run the benchmark SCRIPT (its path in
# the tree) with ARGS on the test kernel built without the debug options
# (built first if needed, ~11 min cold), with the modules built for it in
# a copy of the tree under the cache. Does not return.
bench_on_nodebug() {
	local rel=$1 frag kdir copy
	shift
	frag=$(nodebug_fragment)
	kdir=$(KERNEL_FRAGMENT=$frag "$SUITE_TOP/scripts/kernel.sh")
	copy=$SUITE_CACHE/bench/tree-nodebug
	rm -rf "$copy"
	mkdir -p "$copy"
	git -C "$SUITE_TOP" ls-files -z | (cd "$SUITE_TOP" && xargs -0 cp --parents -t "$copy")
	make -s -C "$copy" KDIR="$kdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		modules >/dev/null || die "modules do not build for $kdir"
	KERNEL_FRAGMENT=$frag exec "$copy/$rel" "$@"
}

# bench_xymd02_bus BAUD: an overlay (on stdout) with an RS485 bus on the
# PL011 and eight XY-MD02 sensors at BAUD, Modbus addresses 1-8 on ports
# 1-8, for the Modbus and mux benchmarks.
bench_xymd02_bus() {
	local a
	printf '/dts-v1/;\n/plugin/;\n&{/pl011@9000000} {\n\trs485 {\n'
	printf '\t\tcompatible = "serdev-suite,rs485-bus";\n'
	printf '\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n'
	for a in 1 2 3 4 5 6 7 8; do
		printf '\t\tport@%x {\n\t\t\treg = <%d>;\n' "$a" "$a"
		printf '\t\t\tsensor {\n\t\t\t\tcompatible = "serdev-suite,xy-md02";\n'
		printf '\t\t\t\tmodbus-address = <%d>;\n' "$a"
		printf '\t\t\t\tcurrent-speed = <%d>;\n\t\t\t};\n\t\t};\n' "$1"
	done
	printf '\t};\n};\n'
}

# e2e_qmp_relay NAME DIR ACTION=JSON...: let the guest of run NAME plug
# and unplug devices. Starts scripts/peers/qmp-relay.py (socket DIR/ctl.sock,
# log DIR/qmp-relay.log) and sets E2E_QMP_ARGS to the qemu-run.sh arguments
# that give the guest its virtio-serial port "suite.ctl" (the guest's
# qmp ACTION helper writes to it).
e2e_qmp_relay() {
	local name=$1 dir=$2 a args=()
	shift 2
	for a; do args+=(--action "$a"); done
	e2e_python_peer "$dir/ctl.sock" "$dir/qmp-relay.log" qmp-relay.py \
		--listen "$dir/ctl.sock" --qmp "$SUITE_CACHE/runs/$name/qmp.sock" "${args[@]}"
	# shellcheck disable=SC2034 # read by the scenario that sources this file
	E2E_QMP_ARGS=(--qemu -chardev --qemu "socket,id=suitectl,path=$dir/ctl.sock"
		--qemu -device --qemu "virtserialport,chardev=suitectl,name=suite.ctl")
}

# qmp_usb_serial ID CHARDEV PORT [SERIAL]: the QMP command (JSON) that plugs
# QEMU's FTDI adapter ID, carrying CHARDEV, into xHCI port PORT.
qmp_usb_serial() {
	local extra=""
	[ -n "${4:-}" ] && extra=",\"serial\":\"$4\""
	printf '{"execute":"device_add","arguments":{"driver":"usb-serial","id":"%s","chardev":"%s","bus":"xhci.0","port":"%s"%s}}' \
		"$1" "$2" "$3" "$extra"
}

# qmp_unplug ID: the QMP command (JSON) that unplugs device ID.
qmp_unplug() {
	printf '{"execute":"device_del","arguments":{"id":"%s"}}' "$1"
}

# qmp_unix_chardev ID PATH: the QMP command (JSON) that adds a chardev
# connected to the Unix socket PATH.
qmp_unix_chardev() {
	printf '{"execute":"chardev-add","arguments":{"id":"%s","backend":{"type":"socket","data":{"addr":{"type":"unix","data":{"path":"%s"}},"server":false}}}}' \
		"$1" "$2"
}
