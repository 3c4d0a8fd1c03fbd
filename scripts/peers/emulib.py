# SPDX-License-Identifier: GPL-2.0
"""What the project's controller emulators (bcm-emu.py, rtl-emu.py) share.

Both listen on a unix socket for one client (the serial port's socket
chardev), serve it with their own Session until one side closes or SIGTERM
arrives, then write their JSON record and exit. This module holds that
life cycle (serve() with listen(), Terminated and on_sigterm()), the
messages on stderr (die(), log(), prefixed with the emulator's name) and
the argparse types both command lines use (bdaddr_arg(), positive_int()).
"""

import argparse
import json
import os
import signal
import sys

from unixsock import SocketError, listen_unix, unlink_quietly


class Terminated(Exception):
    """SIGTERM arrived."""


def on_sigterm(_signum, _frame):
    """SIGTERM handler: raise Terminated wherever the emulator is."""
    raise Terminated()


def die(prog, msg):
    """Print prog's error message and exit with status 1."""
    print(f"{prog}: error: {msg}", file=sys.stderr)
    sys.exit(1)


def log(prog, msg):
    """Print one line of prog's log on stderr."""
    print(f"{prog}: {msg}", file=sys.stderr, flush=True)


def listen(prog, path):
    """A socket listening at path for one client; exits with prog's error
    message if it cannot listen."""
    try:
        return listen_unix(path, 1)
    except SocketError as err:
        die(prog, str(err))


def serve(prog, args, record, session_class):
    """Listen on args.listen, accept one client, run
    session_class(args, client, record) until it returns an exit reason
    (or SIGTERM: "terminated"), clean up, save the record with that
    reason and return the exit status (1 if the upstream was unreachable)."""
    server = listen(prog, args.listen)
    session = None
    try:
        client, _ = server.accept()
        server.close()
        record.start_clock()
        log(prog, "client connected")
        session = session_class(args, client, record)
        reason = session.run()
    except Terminated:
        reason = "terminated"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if session:
            session.close()
        server.close()
        unlink_quietly(args.listen)
    record.set("exit_reason", reason)
    record.save()
    log(prog, f"exit: {reason}")
    return 1 if reason == "upstream-unreachable" else 0


def bdaddr_arg(text):
    """Parse XX:XX:XX:XX:XX:XX into the 6 wire (little-endian) bytes."""
    parts = text.split(":")
    try:
        raw = bytes(int(p, 16) for p in parts if len(p) == 2)
    except ValueError:
        raw = b""
    if len(parts) != 6 or len(raw) != 6:
        raise argparse.ArgumentTypeError(f"bad address {text}")
    return raw[::-1]


def positive_int(text, what="value"):
    """Parse an integer above 0 (any base int() knows with base 0); the
    error names it as what."""
    value = int(text, 0)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"bad {what} {text}")
    return value


def recv(sock, size):
    """Up to size bytes from sock; b"" when the peer has gone (closed or
    reset)."""
    try:
        return sock.recv(size)
    except ConnectionResetError:
        return b""


def save_json(path, data):
    """Write data to path as JSON, atomically (a reader never sees half a
    record)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
