#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of modbus-tty: polls/s and errors, side by side in one boot on
# the same UART, at 9600 and at 115200 baud, against the host's bus
# simulator with the wire modelled and each slave silent 3.5 characters
# (1.75 ms above 19200 baud) before its reply:
#   - libmodbus on the bare UART, no kernel driver (the reference: how
#     users poll today; the project's mb-poll, which polls with no pause,
#     where mbpoll cannot poll faster than every 10 ms);
#   - the XY-MD02 hwmon driver through serdev-mux;
#   - libmodbus through modbus-tty's /dev/ttyMB0;
#   - both at once: aggregate polls/s against the line-rate limit.
# Medians over ROUNDS rounds with the spread (min-max); any failed poll
# fails it: no figure.
#   modbus-tty.sh [--no-debug] [POLLS [ROUNDS]]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/modbus-tty.sh "$@"
fi

polls=${1:-200}
rounds=${2:-5}
peer=$(e2e_peer_dir bench-modbus-tty)
echo "$polls" >"$peer/polls"
echo "$rounds" >"$peer/rounds"

# bus_overlay BAUD: ttyAMA0 through serdev-ldisc: an RS485 bus with an
# XY-MD02 on port 1 and modbus-tty on port 8.
bus_overlay() {
	cat <<DTS
/dts-v1/;
/plugin/;
&{/} {
	serdev-ldisc {
		ttyAMA0 {
			rs485 {
				compatible = "serdev-suite,rs485-bus";
				#address-cells = <1>;
				#size-cells = <0>;
				port@1 {
					reg = <1>;
					sensor {
						compatible = "serdev-suite,xy-md02";
						modbus-address = <1>;
						current-speed = <$1>;
					};
				};
				port@8 {
					reg = <8>;
					modbus {
						compatible = "serdev-suite,modbus-tty";
					};
				};
			};
		};
	};
};
DTS
}
# The slave's silence before its reply, in ms.
silence_ms() { awk -v b="$1" 'BEGIN { s = 3.5 * 10 * 1000 / b; printf "%.3f", (b > 19200 ? 1.75 : s) }'; }

# run BAUD: one boot; its BENCH lines.
run() {
	local baud=$1
	echo "$baud" >"$peer/baud"
	bus_overlay "$baud" >"$peer/bus-$baud.dtso"
	"$top/scripts/dtc.sh" "$peer/bus-$baud.dtso" "$peer/bus-$baud.dtbo" || die "bus-$baud.dtso does not compile"
	e2e_python_peer "$peer/$baud.sock" "$peer/$baud.log" rs485-bus.py \
		--listen "$peer/$baud.sock" --record "$peer/record-$baud.json" --baud "$baud" --wire-model \
		--turnaround-ms "$(silence_ms "$baud")" \
		--slave xymd02@1:temp=21.5,rh=40.2 --slave xymd02@10:temp=19.5,rh=55.0
	"$top/scripts/qemu-run.sh" --name "bench-modbus-tty-$baud" --modules \
		--timeout $((300 + rounds * polls * 9600 / baud)) \
		--serial "unix:$peer/$baud.sock" \
		--file "$peer/polls:etc/suite/bench-polls" --file "$peer/rounds:etc/suite/bench-rounds" \
		--file "$peer/baud:etc/suite/bench-baud" --file "$peer/bus-$baud.dtbo:etc/suite/bus.dtbo" \
		--guest "$top/scripts/bench/modbus-tty.guest.sh" >"$peer/run-$baud.log" 2>&1 ||
		die "bench-modbus-tty-$baud failed: $(tail -n 3 "$peer/run-$baud.log")"
	e2e_stop_peers
	grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-modbus-tty-$baud/console.log" |
		sed "s/^BENCH /baud=$baud /"
	# Requests that came sooner than 3.5 characters after the bus was
	# last busy: the simulator is not strict here, and counts them.
	/usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["stats"]
print("GAPS", s["gap_violations"], sum(s["requests"].values()))' "$peer/record-$baud.json" |
		sed "s/^GAPS /baud=$baud cfg=gaps /"
}

trap e2e_stop_peers EXIT
{
	run 9600
	run 115200
} >"$peer/results.txt"

/usr/bin/python3 - "$peer/results.txt" "$rounds" <<'PY'
import statistics, sys
runs = {}
gaps = {}
for line in open(sys.argv[1]):
    if "cfg=gaps" in line:
        baud, _, violations, requests = line.split()
        gaps[int(baud[5:])] = int(violations), int(requests)
        continue
    d = dict(x.split("=", 1) for x in line.split())
    if int(d["errors"]):
        sys.exit(f"modbus-tty: {d['errors']} failed polls ({line.strip()}): no figure")
    runs.setdefault((int(d["baud"]), d["cfg"]), []).append(int(d["polls"]) / float(d["secs"]))
rounds = int(sys.argv[2])

def med(key):
    r = runs.get(key, [])
    if len(r) != rounds:
        sys.exit(f"modbus-tty: {key}: {len(r)} of {rounds} rounds: no figure")
    return statistics.median(r), min(r), max(r)

print(f"median of {rounds} rounds [min-max], polls/s, same boot, same UART; 0 errors")
bits, chars = 10, 8 + 9          # 8N1; read 2 input registers: request + reply
for baud in (9600, 115200):
    silence = 3.5 * bits / baud if baud <= 19200 else 0.00175
    limit = 1 / (chars * bits / baud + 2 * silence)
    print(f"{baud} baud: line-rate limit {limit:.1f} transactions/s"
          f" (request and reply on the wire, the master's and the slave's silence)")
    bare = med((baud, "bare"))
    print(f"  libmodbus, bare UART:        {bare[0]:6.1f} [{bare[1]:.1f}-{bare[2]:.1f}]"
          f"  utilisation {bare[0] / limit:.3f}")
    v, n = gaps.get(baud, (None, None))
    print(f"  requests in this boot sent sooner than the silent interval after the bus was busy:"
          f" {v} of {n} (lenient simulator here; the kernel's paths keep the interval: the"
          " modbus-tty scenario's strict simulator drops any that does not)")
    for cfg, what in (("driver", "XY-MD02 driver (mux)"), ("tty", "libmodbus via ttyMB0"),
                      ("both", "driver + ttyMB0 at once")):
        m = med((baud, cfg))
        print(f"  {what + ':':28} {m[0]:6.1f} [{m[1]:.1f}-{m[2]:.1f}]"
              f"  utilisation {m[0] / limit:.3f}  ratio to bare {m[0] / bare[0]:.3f}")
        print(f"BENCH-RESULT modbus-tty baud={baud} cfg={cfg} ratio={m[0] / bare[0]:.3f}"
              f" utilisation={m[0] / limit:.3f}")
PY
