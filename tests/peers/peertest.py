# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the tests of the project's host-side peers."""


def recv_exact(sock, size):
    """Read size bytes from sock, or fewer if it closes first."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
