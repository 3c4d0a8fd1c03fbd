#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: Modbus polls per second, the kernel against the userspace
# reference, on the same UART in the same boot. The project's simulator
# plays 8 XY-MD02 sensors on an RS485 bus behind the PL011, with wire time
# and a 1 ms slave turnaround modelled, at 9600 and 115200 baud. In rounds,
# for K = 1, 2, 4, 8 sensors:
#   - kernel: serdev-ldisc, serdev-mux and the xymd02 hwmon driver, K
#     readers (one a sensor, cache off) reading temp1_input;
#   - user: Debian's libmodbus (scripts/guest/mb-poll.c), one master polling
#     the same K sensors in turn with no pause between polls.
# Printed per K: the median polls/s of each over the rounds with their
# spread (min-max), the ratio of the medians (kernel / user), and the
# kernel's share of the bus limit (request + reply on the wire + turnaround
# + 3.5-character silent interval). Any failed poll fails the benchmark.
# (115200 is beyond a real XY-MD02: the simulator does not care, and it
# shows the software's own limit.)
#   modbus-polls.sh [--no-debug] [POLLS [ROUNDS]]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/modbus-polls.sh "$@"
fi

polls=${1:-120}
rounds=${2:-5}
turnaround_ms=1.0
peer=$(e2e_peer_dir bench-polls)
echo "$polls" >"$peer/polls"
echo "$rounds" >"$peer/rounds"
slaves=()
for a in 1 2 3 4 5 6 7 8; do slaves+=(--slave "xymd02@$a:temp=2$a.5"); done
trap e2e_stop_peers EXIT
: >"$peer/results.txt"

for baud in 9600 115200; do
	echo "$baud" >"$peer/baud"
	# The bus, described for the tty ttyAMA0: serdev-ldisc attaches it.
	{
		printf '/dts-v1/;\n/plugin/;\n&{/} {\n\tserdev-ldisc {\n\t\tttyAMA0 {\n'
		bench_xymd02_bus "$baud" | sed -n '/^\trs485 {/,/^\t};/p' | sed 's/^/\t\t/'
		printf '\t\t};\n\t};\n};\n'
	} >"$peer/bus-$baud.dtso"
	e2e_python_peer "$peer/bus-$baud.sock" "$peer/bus-$baud.log" rs485-bus.py \
		--listen "$peer/bus-$baud.sock" --baud "$baud" --wire-model \
		--turnaround-ms "$turnaround_ms" "${slaves[@]}"
	"$top/scripts/qemu-run.sh" --name "bench-polls-$baud" --modules \
		--timeout $((120 + rounds * polls * 8 * 2 * 40 / baud + rounds * 60)) \
		--overlay "$peer/bus-$baud.dtso" --serial "unix:$peer/bus-$baud.sock" \
		--file "$peer/polls:etc/suite/bench-polls" \
		--file "$peer/rounds:etc/suite/bench-rounds" \
		--file "$peer/baud:etc/suite/bench-baud" \
		--guest "$top/scripts/bench/modbus-polls.guest.sh" >"$peer/run-$baud.log" 2>&1 ||
		die "bench-polls-$baud failed: $(tail -n 3 "$peer/run-$baud.log")"
	e2e_stop_peers
	grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-polls-$baud/console.log" |
		sed "s/^BENCH /baud=$baud /" >>"$peer/results.txt"
done

/usr/bin/python3 - "$peer/results.txt" "$turnaround_ms" "$rounds" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    d = dict(x.split("=", 1) for x in line.split())
    if int(d["errors"]):
        sys.exit(f"modbus-polls: {d['who']} had {d['errors']} failed polls"
                 f" (baud {d['baud']}, K={d['k']}, round {d['round']}): no figure")
    key = int(d["baud"]), d["who"], int(d["k"])
    runs.setdefault(key, []).append(int(d["polls"]) / float(d["secs"]))
turn, rounds = float(sys.argv[2]) / 1000, int(sys.argv[3])
for baud in (9600, 115200):
    gap = 3.5 * 10 / baud if baud <= 19200 else 0.00175
    limit = 1 / (17 * 10 / baud + turn + gap)
    print(f"{baud} baud: bus limit {limit:.1f} polls/s; median of {rounds} rounds [min-max]")
    for k in (1, 2, 4, 8):
        kern, user = runs.get((baud, "kernel", k)), runs.get((baud, "user", k))
        if not kern or not user or len(kern) != rounds or len(user) != rounds:
            sys.exit(f"modbus-polls: baud {baud}, K={k}: rounds missing: no figure")
        mk, mu = statistics.median(kern), statistics.median(user)
        print(f"  K={k}: kernel {mk:6.1f} [{min(kern):.1f}-{max(kern):.1f}]"
              f"  libmodbus {mu:6.1f} [{min(user):.1f}-{max(user):.1f}]"
              f"  ratio {mk / mu:.3f}  kernel/limit {mk / limit:.3f}")
        print(f"BENCH-RESULT modbus-polls baud={baud} k={k} kernel={mk:.1f}"
              f" user={mu:.1f} ratio={mk / mu:.3f}")
PY
