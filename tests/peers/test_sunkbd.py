# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/sunkbd.py: the handshake the kernel's sunkbd
driver makes, the LED command it sends, and the key strokes."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from peertest import connect_unix, read_for, recv_exact

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(TOP, "scripts", "peers", "sunkbd.py")


class SunKeyboardTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.record = os.path.join(self.tmp, "record.json")
        path = os.path.join(self.tmp, "kbd.sock")
        self.proc = subprocess.Popen(
            [sys.executable, PEER, "--listen", path, "--keys", "4d",
             "--period", "0.05", "--record", self.record],
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.addCleanup(self.proc.wait)
        self.addCleanup(self.proc.kill)
        self.sock = connect_unix(path, self.proc)
        self.addCleanup(self.sock.close)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        with open(self.record, encoding="utf-8") as f:
            return json.load(f)

    def test_silent_until_reset(self):
        self.assertEqual(read_for(self.sock, 0.3), b"", "no keys before a reset")

    def test_handshake_leds_and_keys(self):
        self.sock.sendall(b"\x01")
        self.assertEqual(recv_exact(self.sock, 2), b"\xff\x04", "reset: 0xff, type 4")
        self.sock.sendall(b"\x0f")
        reply = recv_exact(self.sock, 2)
        self.assertEqual(reply, b"\xfe\x21", "layout: 0xfe, then type 5 US")
        self.sock.sendall(b"\x0e\x08")
        keys = read_for(self.sock, 0.3)
        self.assertIn(b"\x4d\xcd", keys, "press and release of A")
        rec = self.stop()
        self.assertEqual(rec["resets"], 1)
        self.assertEqual(rec["leds"], [8], "caps lock LED")
        self.assertEqual(rec["unknown"], [])

    def test_unknown_command_is_recorded(self):
        self.sock.sendall(b"\x42")
        self.assertEqual(read_for(self.sock, 0.2), b"")
        self.assertEqual(self.stop()["unknown"], [0x42])


if __name__ == "__main__":
    unittest.main()
