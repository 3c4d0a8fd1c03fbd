#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A pymodbus RTU master: the reference client for modbus-tty.

  pymodbus-master.py --port PTY --baud B --rounds N --expect T,RH
                     --result FILE

Opens PTY (a host pty joined to the guest's /dev/ttyMBn through a
virtio-serial port and frame-relay) and, N times: reads input registers 1
and 2 of slave 10 (an XY-MD02; they must hold T and RH), writes round numbers to
holding registers 20 and 21 of slave 11 and reads them back. Writes a
JSON summary to FILE: requests, answers that matched, mismatches (the
first few), errors.
"""

import argparse
import json
import os
import sys
import time

from pymodbus.client import ModbusSerialClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", required=True)
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--expect", required=True, metavar="T,RH",
                   help="slave 10's input registers 1 and 2")
    p.add_argument("--result", required=True)
    p.add_argument("--wait", type=float, default=120,
                   help="seconds to wait for PORT to appear")
    args = p.parse_args(argv)
    expect = [int(v) for v in args.expect.split(",")]

    deadline = time.monotonic() + args.wait
    while not os.path.exists(args.port):
        if time.monotonic() > deadline:
            sys.exit(f"pymodbus-master: {args.port} never appeared")
        time.sleep(0.1)
    client = ModbusSerialClient(args.port, framer=ModbusRtuFramer,
                                baudrate=args.baud, timeout=2, retries=0)
    if not client.connect():
        sys.exit(f"pymodbus-master: cannot open {args.port}")
    res = {"requests": 0, "matched": 0, "mismatches": [], "errors": []}

    def check(what, reply, want):
        res["requests"] += 1
        if reply.isError():
            res["errors"].append(f"{what}: {reply}")
            return
        got = getattr(reply, "registers", None)
        if want is not None and got != want:
            res["mismatches"].append(f"{what}: {got} != {want}")
            return
        res["matched"] += 1

    for i in range(args.rounds):
        check("read 10", client.read_input_registers(1, 2, slave=10), expect)
        check("write 11", client.write_registers(20, [i, i + 1], slave=11), None)
        check("read 11", client.read_holding_registers(20, 2, slave=11), [i, i + 1])
    client.close()
    res["mismatches"] = res["mismatches"][:5]
    res["errors"] = res["errors"][:5]
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump(res, f)
    print("pymodbus-master:", json.dumps(res))
    return 0 if res["matched"] == res["requests"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
