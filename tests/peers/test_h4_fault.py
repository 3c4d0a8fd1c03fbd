# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/h4-fault.py, the fault-injecting H4 relay."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from peertest import recv_exact

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELAY = os.path.join(TOP, "scripts", "peers", "h4-fault.py")
TIMEOUT = 10

RESET = bytes([0x01, 0x03, 0x0C, 0x00])
TRIGGER = bytes([0x01, 0xFF, 0xFC, 0x00])
LOOP_TRIGGER = bytes([0x01, 0xFE, 0xFC, 0x00])
ACL = bytes([0x02, 0x01, 0x20, 0x03, 0x00]) + b"abc"
EVENT = bytes([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00])
HW_ERROR = bytes([0x04, 0x10, 0x01, 0x42])


class RelayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.up_path = os.path.join(self.tmp, "up.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.up_path)
        self.listener.listen(1)
        self.listener.settimeout(TIMEOUT)
        self.addCleanup(self.listener.close)

    def start(self, *extra):
        path = os.path.join(self.tmp, "relay.sock")
        record = os.path.join(self.tmp, "record.json")
        proc = subprocess.Popen(
            [sys.executable, RELAY, "--listen", path, "--upstream",
             self.up_path, "--record", record, *extra],
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.addCleanup(proc.kill)
        for _ in range(100):
            if os.path.exists(path):
                break
            time.sleep(0.05)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
        client.settimeout(TIMEOUT)
        upstream, _ = self.listener.accept()
        upstream.settimeout(TIMEOUT)
        self.addCleanup(upstream.close)
        return proc, client, upstream, record

    def finish(self, proc, client, record):
        client.close()
        proc.wait(TIMEOUT)
        with open(record, encoding="utf-8") as f:
            return json.load(f)

    def assert_nothing_arrives(self, sock):
        sock.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            sock.recv(64)
        sock.settimeout(TIMEOUT)

    def test_host_packets_reach_upstream_whole(self):
        proc, client, upstream, record = self.start()
        for packet in (RESET, ACL):
            # All but the last byte, one at a time: nothing goes up yet.
            for b in packet[:-1]:
                client.sendall(bytes([b]))
            self.assert_nothing_arrives(upstream)
            client.sendall(packet[-1:])
            self.assertEqual(recv_exact(upstream, len(packet)), packet)
        self.assertEqual(self.finish(proc, client, record)["commands"], 1)

    def test_slow_host_costs_a_dropping_controller_nothing(self):
        """btvirt sends with MSG_DONTWAIT and drops what its socket cannot
        take. A host that reads slowly (a UART) must not make the relay
        stop reading the controller: 4 MiB of ACL packets, sent the way
        btvirt sends while the host reads nothing, all arrive."""
        proc, client, upstream, record = self.start()
        packet = bytes([0x02, 0x2A, 0x20, 0xC0, 0x00]) + bytes(range(192))
        count = 4 * 1024 * 1024 // len(packet)
        dropped = 0
        for i in range(count):
            try:
                if upstream.send(packet, socket.MSG_DONTWAIT) != len(packet):
                    self.fail("a short send would cut a packet")
            except BlockingIOError:
                dropped += 1
            if i % 256 == 255:
                time.sleep(0.01)
        self.assertEqual(dropped, 0, f"{dropped} of {count} packets dropped")
        data = recv_exact(client, count * len(packet))
        self.assertEqual(data, packet * count)
        stats = self.finish(proc, client, record)
        self.assertEqual(stats["packets_to_host"], count)

    def test_garbage_before_every_nth_packet(self):
        proc, client, upstream, record = self.start("--garbage", "2")
        upstream.sendall(EVENT * 4)
        got = recv_exact(client, 4 * len(EVENT) + 2 * 13)
        rec = self.finish(proc, client, record)
        self.assertEqual(rec["garbage_bursts"], 2)
        # Real packets arrive intact and in order around the bursts.
        self.assertEqual(got.count(EVENT), 4)
        self.assertTrue(got.startswith(EVENT))
        self.assertNotEqual(got[len(EVENT):2 * len(EVENT)], EVENT)

    def test_hardware_error_on_trigger_command(self):
        proc, client, upstream, record = self.start("--hw-error-on", "0xfcff")
        client.sendall(RESET)
        self.assertEqual(recv_exact(upstream, len(RESET)), RESET)
        client.sendall(TRIGGER)
        self.assertEqual(recv_exact(client, len(HW_ERROR)), HW_ERROR)
        self.assertEqual(recv_exact(upstream, len(TRIGGER)), TRIGGER)
        rec = self.finish(proc, client, record)
        self.assertEqual(rec["hw_errors"], 1)
        self.assertEqual(rec["commands"], 2)

    def test_hardware_error_loop_after_every_reset(self):
        proc, client, upstream, record = self.start("--hw-error-loop-on",
                                                    "0xfcfe")
        client.sendall(RESET)
        self.assertEqual(recv_exact(upstream, len(RESET)), RESET)
        self.assert_nothing_arrives(client)    # not looping yet
        client.sendall(LOOP_TRIGGER)
        self.assertEqual(recv_exact(client, len(HW_ERROR)), HW_ERROR)
        for _ in range(3):
            client.sendall(RESET)
            self.assertEqual(recv_exact(client, len(HW_ERROR)), HW_ERROR)
        rec = self.finish(proc, client, record)
        self.assertEqual((rec["hw_errors"], rec["resets"]), (4, 4))

    def test_swallowed_command_never_reaches_controller(self):
        proc, client, upstream, record = self.start("--swallow", "0xfcff")
        client.sendall(TRIGGER)
        self.assert_nothing_arrives(upstream)
        client.sendall(RESET)
        self.assertEqual(recv_exact(upstream, len(RESET)), RESET)
        rec = self.finish(proc, client, record)
        self.assertEqual((rec["swallowed"], rec["commands"]), (1, 1))


if __name__ == "__main__":
    unittest.main()
