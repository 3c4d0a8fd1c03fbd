# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the tests of the project's host-side peers."""

import json
import socket
import time


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
