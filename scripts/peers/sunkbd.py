#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A Sun Type 5 keyboard on a serial line (1200 baud, 8N1), for the
kernel's sunkbd driver.

  sunkbd.py --listen SOCK [--keys HEX,...] [--period S] [--record FILE]

QEMU's UART (or its FTDI adapter) connects to SOCK. The keyboard answers
the host's commands as a real one does: reset (0x01) with 0xff and its type
(4), layout (0x0f) with 0xfe and a layout byte (0x21: a type 5 keyboard,
US layout); it takes set-LEDs (0x0e, then the LED byte), bell and click
commands. Once reset, it presses and releases the keys of --keys (scancodes,
0x4d is "A") every --period seconds until the line closes. --record writes
what the host sent, as JSON, when the keyboard is stopped (SIGTERM).
"""

import argparse
import json
import select
import signal
import sys
import time

from unixsock import serve_unix

CMD_RESET, CMD_BELLON, CMD_BELLOFF = 0x01, 0x02, 0x03
CMD_CLICK, CMD_NOCLICK, CMD_SETLED, CMD_LAYOUT = 0x0A, 0x0B, 0x0E, 0x0F
RET_RESET, RET_LAYOUT, RELEASE = 0xFF, 0xFE, 0x80
TYPE, LAYOUT = 0x04, 0x21


class Keyboard:
    """The keyboard's side of the protocol; bytes in, bytes out."""

    def __init__(self):
        self.resets = 0
        self.leds = []
        self.commands = []
        self.unknown = []
        self.want_led = False

    def feed(self, data):
        out = b""
        for b in data:
            if self.want_led:
                self.want_led = False
                self.leds.append(b)
                continue
            self.commands.append(b)
            if b == CMD_RESET:
                self.resets += 1
                out += bytes([RET_RESET, TYPE])
            elif b == CMD_LAYOUT:
                out += bytes([RET_LAYOUT, LAYOUT])
            elif b == CMD_SETLED:
                self.want_led = True
            elif b not in (CMD_BELLON, CMD_BELLOFF, CMD_CLICK, CMD_NOCLICK):
                self.unknown.append(b)
        return out

    def record(self):
        return {"resets": self.resets, "leds": self.leds,
                "commands": self.commands, "unknown": self.unknown}


def serve(conn, kbd, keys, period):
    next_keys = None
    while True:
        timeout = None if next_keys is None else max(0.0, next_keys - time.monotonic())
        ready, _, _ = select.select([conn], [], [], timeout)
        if ready:
            data = conn.recv(4096)
            if not data:
                return
            reply = kbd.feed(data)
            if reply:
                conn.sendall(reply)
            if kbd.resets and next_keys is None and keys:
                next_keys = time.monotonic() + period
        elif next_keys is not None:
            conn.sendall(b"".join(bytes([k, k | RELEASE]) for k in keys))
            next_keys = time.monotonic() + period


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--keys", default="", help="scancodes in hex, comma-separated")
    ap.add_argument("--period", type=float, default=0.3)
    ap.add_argument("--record")
    args = ap.parse_args()
    keys = [int(k, 16) & 0x7F for k in args.keys.split(",") if k]
    kbd = Keyboard()

    def stop(*_):
        if args.record:
            with open(args.record, "w", encoding="utf-8") as f:
                json.dump(kbd.record(), f)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    serve_unix(args.listen, "sunkbd",
               lambda conn: serve(conn, kbd, keys, args.period))



if __name__ == "__main__":
    main()
