# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the tests of the project's host-side peers."""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

# Wire-model timing is checked on both sides. No sample may be shorter
# than the model (a sleep never ends early, so a model that is too fast
# shows in every sample). The median may exceed it by SLOW_FACTOR plus
# SLOW_SLACK_S for the host's scheduling (the tests run next to QEMU
# boots): a model 20 % too slow fails.
SLOW_FACTOR = 1.08
SLOW_SLACK_S = 0.004
EMU_TIMEOUT = 10


def assert_wire_time(test, samples, modelled, what):
    """Fail unless every sample is at least modelled and their median at
    most modelled * SLOW_FACTOR + SLOW_SLACK_S."""
    median = statistics.median(samples)
    detail = (f"{what}: modelled {modelled * 1000:.2f} ms, samples "
              + ", ".join(f"{s * 1000:.2f}" for s in samples) + " ms")
    test.assertGreaterEqual(min(samples), modelled, detail)
    test.assertLessEqual(median, modelled * SLOW_FACTOR + SLOW_SLACK_S,
                         detail)
    return median


def recv_exact(sock, size):
    """Read size bytes from sock, or fewer if it closes first."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def connect_unix(path, proc, timeout=10.0):
    """Connect to the unix socket a peer process listens on, waiting for
    it to appear; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"peer exited with {proc.returncode}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            sock.settimeout(timeout)
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def read_for(sock, window):
    """Everything sock delivers within window seconds (b"" if nothing)."""
    data, deadline = b"", time.monotonic() + window
    old = sock.gettimeout()
    try:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    finally:
        sock.settimeout(old)
    return data


class JsonLines:
    """A client of a newline-delimited JSON command socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def call(self, **command):
        return self.line(json.dumps(command).encode())

    def line(self, raw):
        """Send one raw line, return the decoded reply line."""
        self.sock.sendall(raw + b"\n")
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("command socket closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)


class EmuProcess:
    """One controller emulator process and a client connection to it.

    A subclass names the script and the socket file; the process listens
    in the test's temporary directory, writes its record there
    (record.json) and its stderr to emu.log.
    """

    script = None
    sock_name = "emu.sock"

    def __init__(self, tmp, *extra):
        self.sock_path = os.path.join(tmp, self.sock_name)
        self.record_path = os.path.join(tmp, "record.json")
        self.log_path = os.path.join(tmp, "emu.log")
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable or "/usr/bin/python3", self.script,
                 "--listen", self.sock_path,
                 "--record", self.record_path, *extra], stderr=log,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.sock = None

    def connect(self):
        """Connect to the emulator once it listens."""
        self.sock = connect_unix(self.sock_path, self.proc, EMU_TIMEOUT)

    def record(self):
        """The record as last written."""
        with open(self.record_path) as f:
            return json.load(f)

    def finish(self):
        """Disconnect, wait for the exit, return the final record."""
        self.sock.close()
        code = self.proc.wait(timeout=EMU_TIMEOUT)
        if code != 0:
            raise AssertionError(f"emulator exited with {code}")
        return self.record()

    def kill(self):
        """Disconnect and end the process if it still runs."""
        if self.sock:
            self.sock.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class EmuTestCase(unittest.TestCase):
    """Tests that start emulators (emu_class, an EmuProcess) in a temporary
    directory of their own, killed and removed after each test."""

    emu_class = None
    tmp_prefix = "emu-test-"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix)
        self.emus = []

    def tearDown(self):
        for emu in self.emus:
            emu.kill()
        shutil.rmtree(self.tmp)

    def start(self, *extra):
        """A started emulator (extra: its options), connected."""
        emu = self.emu_class(self.tmp, *extra)
        self.emus.append(emu)
        emu.connect()
        return emu

    def upstream(self):
        """A listening upstream socket: (path, listener)."""
        path = os.path.join(self.tmp, "upstream.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(EMU_TIMEOUT)
        return path, listener
