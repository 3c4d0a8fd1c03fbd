#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of serdev-mux on an RS485 bus of XY-MD02 sensors, against the
# host's bus simulator. Figures, not a pass/fail test.
# 1. Mux overhead: polls per second through the mux with 1, 2, 4 and 8
#    readers (one port each), against the same driver on the bare UART in
#    the same run. The simulator answers at once (no wire model), so this
#    measures software cost.
# 2. Bus utilisation: the same through the mux with wire time modelled at
#    19200 baud, against the line-rate limit: request and reply on the
#    wire + the slave's turnaround + the 3.5-character silent interval;
#    and the bare UART's utilisation under the same model, as reference.
#   mux-rs485.sh [--no-debug] [READS_PER_READER]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/mux-rs485.sh "$@"
fi

reads=${1:-400}
baud=19200
turnaround_ms=1.0
peer=$(e2e_peer_dir bench-rs485)
echo "$reads" >"$peer/reads"

# One sensor on the bare UART; eight on a mux.
cat >"$peer/bare.dtso" <<DTS
/dts-v1/;
/plugin/;
&{/pl011@9000000} {
	sensor {
		compatible = "serdev-suite,xy-md02";
		modbus-address = <1>;
		current-speed = <$baud>;
	};
};
DTS
bench_xymd02_bus "$baud" >"$peer/mux8.dtso"

# run NAME OVERLAY SIMULATOR-OPTIONS...: one boot; its BENCH lines.
run() {
	local name=$1 overlay=$2 slaves=() a
	shift 2
	for a in 1 2 3 4 5 6 7 8; do slaves+=(--slave "xymd02@$a:temp=2$a.5"); done
	e2e_python_peer "$peer/$name.sock" "$peer/$name.log" rs485-bus.py \
		--listen "$peer/$name.sock" --baud "$baud" "${slaves[@]}" "$@"
	"$top/scripts/qemu-run.sh" --name "bench-$name" --timeout 900 --modules \
		--overlay "$overlay" --serial "unix:$peer/$name.sock" \
		--file "$peer/reads:etc/suite/bench-reads" \
		--guest "$top/scripts/bench/mux-rs485.guest.sh" >/dev/null 2>&1 ||
		die "bench-$name failed (see $SUITE_CACHE/runs/bench-$name/console.log)"
	e2e_stop_peers
	grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-$name/console.log" |
		sed "s/^BENCH /$name /"
}

trap e2e_stop_peers EXIT
{
	run bare "$peer/bare.dtso" --turnaround-ms 0
	run mux "$peer/mux8.dtso" --turnaround-ms 0
	run wire "$peer/mux8.dtso" --turnaround-ms "$turnaround_ms" --wire-model
	run barewire "$peer/bare.dtso" --turnaround-ms "$turnaround_ms" --wire-model
} >"$peer/results.txt"

/usr/bin/python3 - "$peer/results.txt" "$baud" "$turnaround_ms" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    k = int(d["readers"])
    secs = float(d["t1"]) - float(d["t0"])
    rows[name, k] = (int(d["polls"]) / secs, int(d["cpu_ticks"]) / int(d["polls"]))
baud, turn = int(sys.argv[2]), float(sys.argv[3]) / 1000
bits = 10                       # 8N1
chars = 8 + 9                   # read 2 input registers: request + reply
gap = 3.5 * bits / baud if baud <= 19200 else 0.00175
limit = 1 / (chars * bits / baud + turn + gap)
bare = rows["bare", 1][0]
print(f"bare UART, 1 reader: {bare:.1f} polls/s ({rows['bare', 1][1]:.2f} CPU ticks/poll)")
print("mux overhead (no wire model): polls/s through the mux / bare UART")
for k in (1, 2, 4, 8):
    if ("mux", k) in rows:
        r, t = rows["mux", k]
        print(f"  {k} port(s): {r:7.1f} polls/s  ratio {r / bare:.3f}  "
              f"({t:.2f} CPU ticks/poll)" + ("   (goal >= 0.95)" if k == 1 else ""))
print(f"bus utilisation at {baud} baud (wire model, turnaround {turn * 1000:.1f} ms):"
      f" line-rate limit {limit:.1f} transactions/s")
for k in (1, 2, 4, 8):
    if ("wire", k) in rows:
        r = rows["wire", k][0]
        print(f"  {k} port(s): {r:6.1f} transactions/s  utilisation {r / limit:.3f}   (goal >= 0.9)")
r = rows["barewire", 1][0]
print(f"  bare UART, same model: {r:6.1f} transactions/s  utilisation {r / limit:.3f}")
PY
