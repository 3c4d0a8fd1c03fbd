#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fault-injecting relay between a UART and an H4 controller socket.

  h4-fault.py --listen PATH --upstream PATH [--garbage N]
              [--hw-error-on OPCODE] [--hw-error-loop-on OPCODE]
              [--swallow OPCODE] [--record FILE]

Sits between QEMU's serial chardev (which connects to --listen) and a
controller such as BlueZ's btvirt (--upstream). The host's packets are
reassembled and forwarded whole (btvirt 5.66 mis-reads an ACL header split
across reads); the controller's bytes go back unchanged, except for:

  --garbage N         before every Nth packet to the host, a burst that a
                      receiver must skip: bytes that start no packet, an
                      event header with event code 0 and an ACL header with
                      a reserved handle and an impossible length
  --hw-error-on OP    when the host sends command OP (e.g. 0xfcff, sent
                      from the guest with hcitool cmd 0x3f 0x0ff), a
                      Hardware Error event (code 0x42) after it
  --hw-error-loop-on OP
                      from the time the host sends command OP, a Hardware
                      Error event after it and after every HCI Reset: a
                      controller that fails again each time it is set up
  --swallow OP        the first command OP never reaches the controller:
                      the host sees a controller that does not answer

Packets are framed with h4lib.H4Parser in both directions, so injections
never cut a real packet. --record writes JSON counts at exit: commands
seen, packets to the host, garbage bursts and bytes, hardware errors sent.
"""

import argparse
import json
import os
import selectors
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h4lib import H4_CMD, H4Parser  # noqa: E402
from unixsock import SocketError, listen_unix  # noqa: E402

# Skipped byte by byte by a resynchronising receiver: non-type bytes, an
# event with code 0 (refused), an ACL header with handle 0xfff and length
# 0xffff (refused), then more non-type bytes.
GARBAGE = bytes([0x00, 0xff, 0x7e, 0x04, 0x00, 0x00, 0x02, 0xff, 0xff,
                 0xff, 0xff, 0x99, 0x00])
HW_ERROR = bytes([0x04, 0x10, 0x01, 0x42])
HCI_RESET = 0x0c03


def listen(path):
    try:
        return listen_unix(path, 1)
    except SocketError as err:
        sys.exit(f"h4-fault: error: {err}")


class Relay:
    def __init__(self, args, client, upstream):
        self.args = args
        self.client = client
        self.upstream = upstream
        self.to_up = H4Parser()
        self.to_host = H4Parser()
        self.to_client = bytearray()
        self.looping = False
        self.stats = {"commands": 0, "packets_to_host": 0,
                      "garbage_bursts": 0, "garbage_bytes": 0,
                      "hw_errors": 0, "swallowed": 0, "resets": 0,
                      "stray_bytes_from_host": 0}

    def from_host(self, data):
        self.to_up.feed(data)
        while (packet := self.to_up.next_packet()) is not None:
            ptype, raw = packet
            if ptype is None:
                self.stats["stray_bytes_from_host"] += 1
                continue
            opcode = raw[1] | raw[2] << 8 if ptype == H4_CMD else None
            if (opcode is not None and opcode == self.args.swallow
                    and not self.stats["swallowed"]):
                self.stats["swallowed"] += 1
                continue
            self.upstream.sendall(raw)
            if ptype == H4_CMD:
                self.stats["commands"] += 1
                if opcode == HCI_RESET:
                    self.stats["resets"] += 1
                if opcode == self.args.hw_error_loop_on:
                    self.looping = True
                if (opcode == self.args.hw_error_on
                        or (self.looping and opcode in
                            (HCI_RESET, self.args.hw_error_loop_on))):
                    self.to_client += HW_ERROR
                    self.stats["hw_errors"] += 1

    def from_controller(self, data):
        self.to_host.feed(data)
        while (packet := self.to_host.next_packet()) is not None:
            _, raw = packet
            self.stats["packets_to_host"] += 1
            n = self.args.garbage
            if n and self.stats["packets_to_host"] % n == 0:
                self.to_client += GARBAGE
                self.stats["garbage_bursts"] += 1
                self.stats["garbage_bytes"] += len(GARBAGE)
            self.to_client += raw

    def run(self):
        """Relay until either side closes.

        What goes to the host is queued here and written as fast as QEMU
        takes it, and the controller's socket is always read: btvirt sends
        with MSG_DONTWAIT and drops a packet its socket buffer cannot
        hold, which a slow UART on this side would otherwise cause.
        """
        self.client.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(self.client, selectors.EVENT_READ, self.from_host)
        sel.register(self.upstream, selectors.EVENT_READ,
                     self.from_controller)
        while True:
            want = selectors.EVENT_READ
            if self.to_client:
                want |= selectors.EVENT_WRITE
            sel.modify(self.client, want, self.from_host)
            for key, mask in sel.select():
                if mask & selectors.EVENT_WRITE:
                    try:
                        sent = self.client.send(self.to_client)
                    except BlockingIOError:
                        sent = 0
                    except (ConnectionResetError, BrokenPipeError):
                        return
                    del self.to_client[:sent]
                if not mask & selectors.EVENT_READ:
                    continue
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    return
                key.data(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--garbage", type=int, default=0, metavar="N")
    ap.add_argument("--hw-error-on", type=lambda v: int(v, 0), default=-1,
                    metavar="OPCODE")
    ap.add_argument("--hw-error-loop-on", type=lambda v: int(v, 0),
                    default=-1, metavar="OPCODE")
    ap.add_argument("--swallow", type=lambda v: int(v, 0), default=-1,
                    metavar="OPCODE")
    ap.add_argument("--record")
    args = ap.parse_args()
    srv = listen(args.listen)
    client, _ = srv.accept()
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(args.upstream)
    except OSError as err:
        sys.exit(f"h4-fault: error: cannot reach {args.upstream}: {err}")
    relay = Relay(args, client, upstream)
    try:
        relay.run()
    finally:
        if args.record:
            with open(args.record, "w", encoding="utf-8") as f:
                json.dump(relay.stats, f, indent=1)
        os.unlink(args.listen)


if __name__ == "__main__":
    main()
