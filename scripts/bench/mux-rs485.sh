#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of serdev-mux on an RS485 bus of XY-MD02 sensors, against the
# host's bus simulator, on the same UART in the same boot as their
# reference (scripts/bench/mux-rs485.guest.sh: the PL011 carries in turn one
# sensor on the bare UART and eight on mux ports, both through
# serdev-ldisc). Medians over ROUNDS rounds with the spread (min-max).
# 1. Mux overhead: polls/s of one reader through the mux / one reader on
#    the bare UART, the simulator answering at once (software cost). For
#    2, 4 and 8 readers there is no bare-UART reference (a bare UART has
#    one client): their polls/s are printed without a ratio.
# 2. Bus utilisation: the same with wire time modelled at 9600 and at
#    19200 baud, the slaves keeping the Modbus silence of 3.5 characters
#    before each reply (their turnaround), against the line-rate limit
#    (request and reply on the wire + the master's silent interval before
#    the request + the slave's before its reply), mux and bare.
# Figures, not a pass/fail test; any failed poll fails it.
#   mux-rs485.sh [--no-debug] [READS_PER_READER [ROUNDS]]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/mux-rs485.sh "$@"
fi

reads=${1:-200}
rounds=${2:-5}
peer=$(e2e_peer_dir bench-rs485)
echo "$reads" >"$peer/reads"
echo "$rounds" >"$peer/rounds"

# The two configurations of ttyAMA0 at BAUD, as serdev-ldisc nodes: one
# sensor on the bare UART; eight on mux ports.
bus_node() {
	printf '/dts-v1/;\n/plugin/;\n&{/} {\n\tserdev-ldisc {\n\t\tttyAMA0 {\n'
	cat
	printf '\t\t};\n\t};\n};\n'
}
overlays() {
	printf '\t\t\tsensor {\n\t\t\t\tcompatible = "serdev-suite,xy-md02";\n\t\t\t\tmodbus-address = <1>;\n\t\t\t\tcurrent-speed = <%d>;\n\t\t\t};\n' "$1" |
		bus_node >"$peer/bare-$1.dtso"
	bench_xymd02_bus "$1" | sed -n '/^\trs485 {/,/^\t};/p' | sed 's/^/\t\t/' | bus_node >"$peer/mux-$1.dtso"
	for c in bare mux; do
		"$top/scripts/dtc.sh" "$peer/$c-$1.dtso" "$peer/$c-$1.dtbo" || die "$c-$1.dtso does not compile"
	done
}
# The slave's silence before its reply: 3.5 characters of 10 bits, in ms.
silence_ms() { awk -v b="$1" 'BEGIN { printf "%.3f", 3.5 * 10 * 1000 / b }'; }

# run NAME BAUD SIMULATOR-OPTIONS...: one boot; its BENCH lines.
run() {
	local name=$1 baud=$2 slaves=() a
	shift 2
	for a in 1 2 3 4 5 6 7 8; do slaves+=(--slave "xymd02@$a:temp=2$a.5"); done
	e2e_python_peer "$peer/$name.sock" "$peer/$name.log" rs485-bus.py \
		--listen "$peer/$name.sock" --baud "$baud" "${slaves[@]}" "$@"
	"$top/scripts/qemu-run.sh" --name "bench-$name" --timeout $((300 + rounds * reads * 19200 / baud)) --modules \
		--serial "unix:$peer/$name.sock" \
		--file "$peer/reads:etc/suite/bench-reads" --file "$peer/rounds:etc/suite/bench-rounds" \
		--file "$peer/bare-$baud.dtbo:etc/suite/bare.dtbo" --file "$peer/mux-$baud.dtbo:etc/suite/mux.dtbo" \
		--guest "$top/scripts/bench/mux-rs485.guest.sh" >"$peer/run-$name.log" 2>&1 ||
		die "bench-$name failed: $(tail -n 3 "$peer/run-$name.log")"
	e2e_stop_peers
	grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-$name/console.log" |
		sed "s/^BENCH /run=$name baud=$baud /"
}

trap e2e_stop_peers EXIT
overlays 19200
overlays 9600
{
	run fast 19200 --turnaround-ms 0
	run wire-19200 19200 --turnaround-ms "$(silence_ms 19200)" --wire-model
	run wire-9600 9600 --turnaround-ms "$(silence_ms 9600)" --wire-model
} >"$peer/results.txt"

/usr/bin/python3 - "$peer/results.txt" "$rounds" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    d = dict(x.split("=", 1) for x in line.split())
    if int(d["errors"]):
        sys.exit(f"mux-rs485: {d['errors']} failed polls ({line.strip()}): no figure")
    key = d["run"], d["cfg"], int(d["k"])
    runs.setdefault(key, []).append((int(d["polls"]) / float(d["secs"]),
                                     int(d["cpu_ticks"]) / int(d["polls"])))
rounds = int(sys.argv[2])

def med(key):
    vals = runs.get(key, [])
    if len(vals) != rounds:
        sys.exit(f"mux-rs485: {key}: {len(vals)} of {rounds} rounds: no figure")
    r = [v[0] for v in vals]
    return statistics.median(r), min(r), max(r), statistics.median(v[1] for v in vals)

print(f"median of {rounds} rounds [min-max], same boot, same UART, both through serdev-ldisc")
b = med(("fast", "bare", 1))
print(f"mux overhead, no wire model: bare UART, 1 reader: {b[0]:.1f} polls/s [{b[1]:.1f}-{b[2]:.1f}]"
      f" ({b[3]:.2f} CPU ticks/poll)")
for k in (1, 2, 4, 8):
    m = med(("fast", "mux", k))
    ratio = f"  ratio to the bare UART {m[0] / b[0]:.3f} (goal >= 0.95)" if k == 1 else ""
    print(f"  mux, {k} reader(s): {m[0]:7.1f} polls/s [{m[1]:.1f}-{m[2]:.1f}]"
          f" ({m[3]:.2f} CPU ticks/poll){ratio}")
    if k == 1:
        print(f"BENCH-RESULT mux-rs485 overhead_ratio={m[0] / b[0]:.3f}")
bits, chars = 10, 8 + 9          # 8N1; read 2 input registers: request + reply
for baud in (19200, 9600):
    silence = 3.5 * bits / baud  # the master's before the request, the slave's before its reply
    limit = 1 / (chars * bits / baud + 2 * silence)
    run = f"wire-{baud}"
    print(f"bus utilisation at {baud} baud (wire model, the slave silent {silence * 1000:.2f} ms"
          f" before its reply): line-rate limit {limit:.1f} transactions/s")
    b = med((run, "bare", 1))
    print(f"  bare UART, 1 reader: {b[0]:6.1f}/s [{b[1]:.1f}-{b[2]:.1f}]  utilisation {b[0] / limit:.3f}")
    for k in (1, 2, 4, 8):
        m = med((run, "mux", k))
        print(f"  mux, {k} reader(s): {m[0]:6.1f}/s [{m[1]:.1f}-{m[2]:.1f}]  utilisation {m[0] / limit:.3f}"
              "   (goal >= 0.9)")
        print(f"BENCH-RESULT mux-rs485 baud={baud} k={k} utilisation={m[0] / limit:.3f}")
PY
