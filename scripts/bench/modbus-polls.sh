#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: Modbus polls per second through serdev-mux with 1, 2, 4 and 8
# slaves (XY-MD02, each read = 2 input registers) at 9600 and 115200 baud,
# against the project's simulator with wire time and a 1 ms slave
# turnaround modelled. Printed per case:
#   - polls/s against the bus limit (request + reply bits / baud + slave
#     turnaround + the 3.5-character silent interval);
#   - polls/s against Debian's mbpoll (libmodbus) polling the same slaves
#     over the same simulator (through a pty) in the same run;
#   - guest CPU time per poll.
# Figures, not a pass/fail test. (115200 is beyond a real XY-MD02: the
# simulator does not care, and it shows the software's own limit.)
#   modbus-polls.sh [--no-debug] [READS_PER_READER]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/modbus-polls.sh "$@"
fi

reads=${1:-60}
turnaround_ms=1.0
mbpoll_secs=10
peer=$(e2e_peer_dir bench-polls)
echo "$reads" >"$peer/reads"
slaves=()
for a in 1 2 3 4 5 6 7 8; do slaves+=(--slave "xymd02@$a:temp=2$a.5"); done
trap e2e_stop_peers EXIT

for baud in 9600 115200; do
	bench_xymd02_bus "$baud" >"$peer/bus-$baud.dtso"

	# The guest through serdev-mux.
	e2e_python_peer "$peer/bus-$baud.sock" "$peer/bus-$baud.log" rs485-bus.py \
		--listen "$peer/bus-$baud.sock" --baud "$baud" --wire-model \
		--turnaround-ms "$turnaround_ms" "${slaves[@]}"
	"$top/scripts/qemu-run.sh" --name "bench-polls-$baud" --timeout 900 --modules \
		--overlay "$peer/bus-$baud.dtso" --serial "unix:$peer/bus-$baud.sock" \
		--file "$peer/reads:etc/suite/bench-reads" \
		--guest "$top/scripts/bench/mux-rs485.guest.sh" >/dev/null 2>&1 ||
		die "bench-polls-$baud failed (see $SUITE_CACHE/runs/bench-polls-$baud/console.log)"
	e2e_stop_peers
	grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-polls-$baud/console.log" |
		sed "s/^BENCH /kernel baud=$baud /" >>"$peer/results.txt"

	# mbpoll on the host, same simulator settings, through a pty (a fresh
	# simulator each time: the pty is done with once mbpoll closes it).
	for k in 1 2 4 8; do
		e2e_python_peer "$peer/ctl-$baud-$k.sock" "$peer/pty-$baud-$k.log" rs485-bus.py \
			--pty-link "$peer/pty-$baud-$k" --control "$peer/ctl-$baud-$k.sock" \
			--baud "$baud" --wire-model --turnaround-ms "$turnaround_ms" "${slaves[@]}"
		n=$(timeout "$mbpoll_secs" stdbuf -oL mbpoll -m rtu -a "1:$k" -0 -r 1 -c 2 -t 3 \
			-b "$baud" -P none -l 11 "$peer/pty-$baud-$k" 2>/dev/null |
			grep -c '^\[1\]:' || true)
		echo "mbpoll baud=$baud readers=$k polls=$n secs=$mbpoll_secs" >>"$peer/results.txt"
		e2e_stop_peers
		rm -f "$peer/ctl-$baud-$k.sock"
	done
done

/usr/bin/python3 - "$peer/results.txt" "$turnaround_ms" <<'PY'
import sys
kern, mb = {}, {}
for line in open(sys.argv[1]):
    who, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    key = int(d["baud"]), int(d["readers"])
    if who == "kernel":
        secs = float(d["t1"]) - float(d["t0"])
        kern[key] = (int(d["polls"]) / secs,
                     int(d["cpu_ticks"]) * 10.0 / int(d["polls"]))
    else:
        mb[key] = int(d["polls"]) / float(d["secs"])
turn = float(sys.argv[2]) / 1000
for baud in (9600, 115200):
    gap = 3.5 * 10 / baud if baud <= 19200 else 0.00175
    limit = 1 / (17 * 10 / baud + turn + gap)
    print(f"{baud} baud: bus limit {limit:.1f} polls/s (17 bytes 8N1 + {turn * 1000:.1f} ms"
          f" turnaround + {gap * 1000:.2f} ms gap)")
    for k in (1, 2, 4, 8):
        if (baud, k) not in kern:
            continue
        r, cpu = kern[baud, k]
        m = mb.get((baud, k), 0)
        ratio = f"{r / m:.2f}" if m else "n/a"
        print(f"  {k} slave(s): {r:6.1f} polls/s, {r / limit:.3f} of the limit (goal 0.9);"
              f" mbpoll {m:6.1f} polls/s, ratio {ratio} (goal 1.0);"
              f" guest CPU {cpu:.2f} ms/poll")
PY
