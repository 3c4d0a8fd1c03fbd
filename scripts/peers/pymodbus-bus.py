#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A multi-slave Modbus RTU server built on Debian's pymodbus, the reference
slave implementation nobody here wrote, with the register maps of the real
devices the suite drives.

  pymodbus-bus.py --port-file F [--values JSON] --slave KIND@ADDR:k=v,...

It listens on 127.0.0.1 (a free port, written to --port-file) with the RTU
framer; QEMU's serial chardev connects to it over TCP. KIND is xymd02
(temp=, rh=: input registers 1 and 2 in tenths; holding 0x0101-0x0104) or
sdm120 (volts=, amps=, watts=, hz=, kwh=: float32 input registers). When
the JSON file --values changes ({"ADDR": {"field": value}}), the served
values change with it.
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

from pymodbus.datastore import (ModbusSequentialDataBlock,
                                ModbusServerContext, ModbusSlaveContext)
from pymodbus.server import StartTcpServer
from pymodbus.transaction import ModbusRtuFramer

SDM120_REGS = {"volts": 0x0000, "amps": 0x0006, "watts": 0x000C,
               "hz": 0x0046, "kwh": 0x0048}


def float_regs(value):
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class Slave:
    def __init__(self, kind, addr, fields):
        self.kind, self.addr = kind, addr
        self.ctx = ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, [0] * 16),
            co=ModbusSequentialDataBlock(0, [0] * 16),
            hr=ModbusSequentialDataBlock(0, [0] * 0x200),
            ir=ModbusSequentialDataBlock(0, [0] * 0x200),
            zero_mode=True)
        if kind == "xymd02":
            self.ctx.setValues(3, 0x0101, [addr, 3, 0, 0])
        self.update(fields)

    def update(self, fields):
        for name, value in fields.items():
            value = float(value)
            if self.kind == "xymd02":
                reg = {"temp": 1, "rh": 2}[name]
                self.ctx.setValues(4, reg, [round(value * 10) & 0xFFFF])
            else:
                self.ctx.setValues(4, SDM120_REGS[name], float_regs(value))


def parse_slave(spec):
    kind, rest = spec.split("@", 1)
    addr, _, opts = rest.partition(":")
    fields = dict(kv.split("=", 1) for kv in opts.split(",") if kv)
    if kind not in ("xymd02", "sdm120"):
        raise ValueError(f"unknown kind {kind}")
    return Slave(kind, int(addr, 0), fields)


def watch(path, slaves):
    """Apply --values whenever the file changes."""
    seen = None
    while True:
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime is not None and mtime != seen:
            seen = mtime
            with open(path, encoding="utf-8") as f:
                for addr, fields in json.load(f).items():
                    slaves[int(addr)].update(fields)
            print(f"values from {path} applied", file=sys.stderr, flush=True)
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--values")
    ap.add_argument("--slave", action="append", required=True)
    args = ap.parse_args()
    slaves = {s.addr: s for s in map(parse_slave, args.slave)}
    context = ModbusServerContext(
        slaves={a: s.ctx for a, s in slaves.items()}, single=False)
    if args.values:
        threading.Thread(target=watch, args=(args.values, slaves),
                         daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{port}\n")
    os.replace(tmp, args.port_file)
    StartTcpServer(context=context, framer=ModbusRtuFramer,
                   address=("127.0.0.1", port), allow_reuse_address=True)


if __name__ == "__main__":
    main()
