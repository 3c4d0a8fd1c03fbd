# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/qmp-relay.py against a fake QEMU monitor that
speaks QMP over a unix socket."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from peertest import connect_unix

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(TOP, "scripts", "peers")
TIMEOUT = 10


class FakeQmp(threading.Thread):
    """A QMP server: greets, accepts qmp_capabilities, records commands,
    fails "device_add" of id "bad", and emits DEVICE_DELETED after each
    device_del's return (as QEMU does once the guest let go)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.commands = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.server.settimeout(TIMEOUT)

    def run(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as f:
                f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
                f.flush()
                for line in f:
                    cmd = json.loads(line)
                    self.commands.append(cmd)
                    args = cmd.get("arguments", {})
                    if cmd["execute"] == "device_add" and args.get("id") == "bad":
                        f.write(b'{"error": {"class": "GenericError", "desc": "no such bus"}}\n')
                    else:
                        f.write(b'{"return": {}}\n')
                    if cmd["execute"] == "device_del":
                        ev = {"event": "DEVICE_DELETED", "data": {"device": args["id"]}}
                        f.write(json.dumps(ev).encode() + b"\n")
                    f.flush()


class QmpRelayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.qmp = FakeQmp(os.path.join(self.tmp, "qmp.sock"))
        self.qmp.start()
        self.addCleanup(self.qmp.server.close)
        ctl = os.path.join(self.tmp, "ctl.sock")
        add = '{"execute":"device_add","arguments":{"driver":"usb-serial","id":"ftdi"}}'
        proc = subprocess.Popen(
            [sys.executable, os.path.join(PEERS, "qmp-relay.py"), "--listen", ctl,
             "--qmp", os.path.join(self.tmp, "qmp.sock"),
             "--action", f"plug={add}",
             "--action", 'unplug={"execute":"device_del","arguments":{"id":"ftdi"}}',
             "--action", 'bad={"execute":"device_add","arguments":{"id":"bad"}} ;; '
             + '{"execute":"device_del","arguments":{"id":"never"}}'],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.guest = connect_unix(ctl, proc)
        self.addCleanup(self.guest.close)
        self.lines = self.guest.makefile("rb")

    def ask(self, action):
        self.guest.sendall(action.encode() + b"\n")
        return self.lines.readline().decode().strip()

    def test_actions_run_their_commands(self):
        self.assertEqual(self.ask("plug"), "ok")
        self.assertEqual(self.ask("unplug"), "ok")
        executed = [c["execute"] for c in self.qmp.commands]
        self.assertEqual(executed, ["qmp_capabilities", "device_add",
                                    "qmp_capabilities", "device_del"])
        self.assertEqual(self.qmp.commands[1]["arguments"]["driver"], "usb-serial")

    def test_qmp_error_is_reported_and_stops_the_action(self):
        reply = self.ask("bad")
        self.assertTrue(reply.startswith("error:"), reply)
        self.assertIn("no such bus", reply)
        self.assertNotIn("device_del", [c["execute"] for c in self.qmp.commands])
        self.assertEqual(self.ask("plug"), "ok", "the relay goes on after an error")

    def test_unknown_action(self):
        self.assertEqual(self.ask("explode"), "error: no action 'explode'")


if __name__ == "__main__":
    unittest.main()
