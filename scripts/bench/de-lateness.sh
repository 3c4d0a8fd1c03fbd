#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: how late an RS485 transceiver's driver enable (DE, a GPIO) is
# released after a request's last stop bit, serdev-mux against the way
# libmodbus users drive it today, on the same UART and the same GPIO line
# in the same boot. The project's simulator plays one XY-MD02 at 19200
# baud behind the PL011 (wire time and a 1 ms turnaround modelled). In
# rounds:
#   - user: Debian's libmodbus (scripts/guest/mb-poll.c --de) on the bare
#     tty sets DE through its RTS hook on the GPIO character device, writes
#     the request, sleeps for the frame's time as libmodbus computes it,
#     clears DE;
#   - mux: serdev-ldisc bridges the tty to serdev-mux (de-gpios on the same
#     line, no DE delays) and the xymd02 driver reads temp1_input.
# Each DE edge is timestamped by gpiolib's gpio_value tracepoint. A
# request is 8 characters of 10 bits, 4167 us at 19200 baud from the first
# start bit to the last stop bit; QEMU's PL011 starts sending at once, so
# the lateness of one request is (DE low - DE high) - 4167 us. Printed:
# for each, the median of all requests with the spread of the rounds'
# medians (min-max) and the maximum; the ratio of the medians (mux / user);
# and the slave's earliest answer after the request, its 3.5-character
# silence (1823 us): a DE still high then collides with the answer.
#   de-lateness.sh [--no-debug] [POLLS [ROUNDS]]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../e2e-lib.sh
. "$top/scripts/e2e-lib.sh"

if [ "${1:-}" = --no-debug ]; then
	shift
	bench_on_nodebug scripts/bench/de-lateness.sh "$@"
fi

polls=${1:-200}
rounds=${2:-5}
baud=19200
peer=$(e2e_peer_dir bench-de)
echo "$polls" >"$peer/polls"
echo "$rounds" >"$peer/rounds"
# One sensor on a mux bus for the tty ttyAMA0, DE on gpio-sim line 5:
# serdev-ldisc attaches it when the guest asks.
cat >"$peer/bus.dtso" <<EOF
/dts-v1/;
/plugin/;
&{/} {
	serdev-ldisc {
		ttyAMA0 {
			rs485 {
				compatible = "serdev-suite,rs485-bus";
				#address-cells = <1>;
				#size-cells = <0>;
				de-gpios = <&suite_gpio 5 0>;

				port@1 {
					reg = <1>;

					sensor {
						compatible = "serdev-suite,xy-md02";
						modbus-address = <1>;
						current-speed = <$baud>;
					};
				};
			};
		};
	};
};
EOF
trap e2e_stop_peers EXIT
e2e_python_peer "$peer/bus.sock" "$peer/bus.log" rs485-bus.py \
	--listen "$peer/bus.sock" --baud "$baud" --wire-model --turnaround-ms 1.0 \
	--slave xymd02@1:temp=21.5,rh=40.2
"$top/scripts/qemu-run.sh" --name bench-de --modules \
	--timeout $((120 + rounds * polls / 10)) \
	--overlay "$peer/bus.dtso" --serial "unix:$peer/bus.sock" \
	--file "$peer/polls:etc/suite/bench-polls" \
	--file "$peer/rounds:etc/suite/bench-rounds" \
	--guest "$top/scripts/bench/de-lateness.guest.sh" >"$peer/run.log" 2>&1 ||
	die "bench-de failed: $(tail -n 3 "$peer/run.log")"
e2e_stop_peers
grep -h '^BENCH ' "$SUITE_CACHE/runs/bench-de/console.log" >"$peer/results.txt" ||
	die "bench-de printed no figure"

/usr/bin/python3 - "$peer/results.txt" "$baud" "$polls" "$rounds" <<'PY'
import statistics, sys
baud, polls, rounds = (int(x) for x in sys.argv[2:5])
frame_us = 8 * 10 * 1e6 / baud
silence_us = 3.5 * 10 * 1e6 / baud
late = {}
for line in open(sys.argv[1]):
    d = dict(x.split("=", 1) for x in line.split()[1:])
    if int(d["errors"]):
        sys.exit(f"de-lateness: {d['who']} round {d['round']}: {d['errors']} failed polls: no figure")
    high = [float(x) for x in d["high_us"].split(",") if x]
    if len(high) < int(d["polls"]):
        sys.exit(f"de-lateness: {d['who']} round {d['round']}: {len(high)} DE pulses"
                 f" for {d['polls']} polls: no figure")
    late.setdefault(d["who"], []).append([h - frame_us for h in high])
for who in ("user", "mux"):
    if len(late.get(who, [])) != rounds:
        sys.exit(f"de-lateness: {who}: {len(late.get(who, []))} of {rounds} rounds: no figure")
print(f"DE release after the last stop bit, {polls} requests x {rounds} rounds at {baud} baud"
      f" (a request is {frame_us:.0f} us on the wire; the slave may answer {silence_us:.0f} us after it)")
med = {}
for who, name in (("user", "libmodbus RTS hook on the GPIO"), ("mux", "serdev-mux de-gpios")):
    every = [x for r in late[who] for x in r]
    per_round = [statistics.median(r) for r in late[who]]
    med[who] = statistics.median(every)
    print(f"  {name}: median {med[who]:7.0f} us [rounds {min(per_round):.0f}-{max(per_round):.0f}]"
          f"  max {max(every):7.0f} us  later than the slave's answer: "
          f"{sum(x > silence_us for x in every)} of {len(every)}")
ratio = med["mux"] / med["user"] if med["user"] > 0 else float("nan")
print(f"  ratio of the medians (mux / libmodbus): {ratio:.3f}")
print(f"BENCH-RESULT de-lateness mux_median_us={med['mux']:.0f} user_median_us={med['user']:.0f}"
      f" ratio={ratio:.3f}")
PY
