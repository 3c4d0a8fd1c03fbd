# SPDX-License-Identifier: GPL-2.0
"""Unix stream sockets for the project's host-side peers.

listen_unix() makes the socket file appear only once connections work (it
binds a temporary name and renames it), so a test that waits for the file
never connects too early. A stale socket is replaced; any other file in the
way is an error.
"""

import os
import socket
import stat
import sys


class SocketError(Exception):
    """Why a peer cannot listen: its message is meant for the user."""


def unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_stale_socket(path):
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise SocketError(f"{path} exists and is not a socket")
    os.unlink(path)


def listen_unix(path, backlog=1):
    """A listening socket at path; raises SocketError with the reason."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise SocketError(f"cannot listen on {path}: directory {directory} does not exist")
    remove_stale_socket(path)
    tmp = os.path.join(directory, f".{os.getpid()}.{os.path.basename(path)}")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(tmp)
        server.listen(backlog)
        os.rename(tmp, path)
    except OSError as err:
        server.close()
        unlink_quietly(tmp)
        raise SocketError(f"cannot listen on {path}: {err.strerror or err}") from err
    return server


def serve_unix(path, prog, handle):
    """Listen on path and give each connection to handle(conn), one at a
    time, for ever. A connection the other end breaks (QEMU quit) just
    ends. Exits with prog's message if it cannot listen."""
    try:
        server = listen_unix(path)
    except SocketError as err:
        sys.exit(f"{prog}: {err}")
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                handle(conn)
            except (ConnectionResetError, BrokenPipeError):
                pass
