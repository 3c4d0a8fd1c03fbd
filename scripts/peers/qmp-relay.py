#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run QEMU monitor (QMP) commands that the guest asks for.

The guest writes one action name per line to a virtio-serial port; this
relay, at the other end of it, sends the QMP commands the host scenario
bound to that name and answers the guest with one line: "ok", or "error"
and QMP's description. So a guest scenario can plug and unplug devices
(device_add, device_del, chardev-add) at the points it chooses and know
when QEMU has done it.

  qmp-relay.py --listen CTL.sock --qmp QMP.sock \\
      --action 'plug={"execute":"device_add","arguments":{...}}' ...

An action may hold several commands separated by " ;; ". A device_del
waits for QEMU's DEVICE_DELETED event before it is answered.
"""

import argparse
import json
import socket
import sys
import time

from unixsock import serve_unix


class QmpError(Exception):
    pass


class Qmp:
    """One QMP session: the greeting, capabilities, then commands."""

    def __init__(self, path, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as err:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QmpError(f"cannot connect to {path}: {err}") from err
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self.events = []
        self.read()  # greeting
        self.command({"execute": "qmp_capabilities"})

    def read(self):
        line = self.file.readline()
        if not line:
            raise QmpError("QEMU closed the monitor")
        return json.loads(line)

    def command(self, cmd):
        self.file.write(json.dumps(cmd).encode() + b"\n")
        self.file.flush()
        while True:
            msg = self.read()
            if "event" in msg:
                self.events.append(msg)
            elif "error" in msg:
                raise QmpError(f"{cmd['execute']}: {msg['error'].get('desc', msg['error'])}")
            else:
                return msg.get("return")

    def wait_event(self, name, device_id, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev["event"] == name and ev.get("data", {}).get("device") == device_id:
                    self.events.remove(ev)
                    return
            if time.monotonic() > deadline:
                raise QmpError(f"no {name} for {device_id} within {timeout} s")
            self.events.append(self.read())

    def close(self):
        self.sock.close()


def run_action(qmp_path, commands, log):
    qmp = Qmp(qmp_path)
    try:
        for cmd in commands:
            ret = qmp.command(cmd)
            if ret:
                print(f"  {cmd['execute']}: {json.dumps(ret)}", file=log, flush=True)
            if cmd["execute"] == "device_del":
                qmp.wait_event("DEVICE_DELETED", cmd["arguments"]["id"])
    finally:
        qmp.close()


def parse_actions(specs):
    actions = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        if not sep:
            raise SystemExit(f"qmp-relay: --action {spec!r} is not NAME=JSON")
        try:
            actions[name] = [json.loads(part) for part in text.split(" ;; ")]
        except json.JSONDecodeError as err:
            raise SystemExit(f"qmp-relay: action {name}: bad JSON: {err}") from err
    return actions


def serve(conn, qmp_path, actions, log):
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            name = line.decode(errors="replace").strip()
            if not name:
                continue
            if name not in actions:
                reply = f"error: no action {name!r}"
            else:
                try:
                    run_action(qmp_path, actions[name], log)
                    reply = "ok"
                except (QmpError, OSError, json.JSONDecodeError) as err:
                    reply = f"error: {err}"
            print(f"{name}: {reply}", file=log, flush=True)
            conn.sendall(reply.encode() + b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="socket QEMU's chardev connects to")
    ap.add_argument("--qmp", required=True, help="QEMU's QMP socket")
    ap.add_argument("--action", action="append", default=[], help="NAME=JSON[ ;; JSON...]")
    args = ap.parse_args()
    actions = parse_actions(args.action)
    serve_unix(args.listen, "qmp-relay",
               lambda conn: serve(conn, args.qmp, actions, sys.stdout))


if __name__ == "__main__":
    main()
