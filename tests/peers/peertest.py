# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the tests of the project's host-side peers."""

import json
import socket
import statistics
import time

# Wire-model timing is checked on both sides. No sample may be shorter
# than the model (a sleep never ends early, so a model that is too fast
# shows in every sample). The median may exceed it by SLOW_FACTOR plus
# SLOW_SLACK_S for the host's scheduling (the tests run next to QEMU
# boots): a model 20 % too slow fails.
SLOW_FACTOR = 1.08
SLOW_SLACK_S = 0.004


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
