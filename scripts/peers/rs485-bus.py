#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Simulate one half-duplex RS485 bus with several Modbus RTU slaves.

  rs485-bus.py (--listen SOCK | --pty-link PATH) --slave KIND@ADDR[:k=v,...]
               [--baud B] [--parity N|E|O] [--stop-bits 1|2]
               [--turnaround-ms T] [--wire-model] [--strict-gap]
               [--fault SPEC]... [--control SOCK] [--record FILE]
               [--seed N] [-v]

The master is a client of the unix socket --listen (QEMU's serial chardev;
a new connection replaces the old one) and/or opens the pty that
--pty-link PATH points to (e.g. mbpoll). Replies go back to the port the
request came from; injected garbage goes to every port.

Slaves (ADDR 1..247, decimal or 0x hex; options set the named fields):
  scd30   Sensirion SCD30 as drivers/iio/chemical/scd30_serial.c talks to
          it: FC 0x03/0x06 on its command registers; co2= temp= rh=
          fw= interval= ready=always|timed|never boot_ms=
  xymd02  XY-MD02 / SHT20-RS485: input 1 (T x0.1 C), 2 (RH x0.1 %),
          holding 0x0101..0x0104 (address, baud code, corrections);
          temp= rh= temp_corr= rh_corr=
  sdm120  Eastron SDM120: FC 0x04 float32 registers; volts= amps= watts=
          hz= kwh= export_kwh=
  regs    generic: count= holding and count= input registers (default
          256), FC 0x03/0x04/0x06/0x10
Any slave also takes baud=N, its own line speed (default --baud), as
serdev-mux switches the UART's speed per port: e.g.
--slave sdm120@4:volts=230.5,baud=9600 next to sensors at --baud 19200.
Requests are framed by function code (0x01-0x06: 8 bytes, 0x0F/0x10: by
their byte count, others at a silence of max(3.5 characters, 20 ms)). A
bad CRC or a stray byte is counted, one byte dropped and the stream
rescanned. Unknown addresses get no answer; broadcast (0) writes are
executed and never answered.

Timing: a character is 1 + 8 + parity + stop bits long (parity and stop
bits are bus-wide). A request and its reply are timed at the line speed
of the slave the request is addressed to (its first byte); broadcasts and
unknown addresses at --baud. Replies leave --turnaround-ms after the
request; with --wire-model not before the wire time of request and reply
plus the turnaround since the request's first byte. A request starting
less than 3.5 characters at its slave's speed (1.75 ms above 19200 baud)
after the end of the previous bus activity is a gap violation, counted,
and with --strict-gap dropped, as a real slave merges the frames. A frame
of no known length ends at a silence of max(3.5 characters, 20 ms) at the
speed of the slave its first byte addresses.

Faults (--fault SPEC or the control socket; N: how many times, default 1,
0 forever). One fault at most applies to a request, the first armed for its
slave; faults armed together take the following requests in turn:
crc:ADDR[:N], silence:ADDR[:N] (the request is lost),
wrong-slave:ADDR[:N], collision:ADDR[:N], truncate:ADDR[:N],
exception:ADDR:CODE[:N], garbage:N (N random bytes, now if a master is
connected, else before the next reply), readdress:OLD:NEW.

--control SOCK takes newline-delimited JSON commands, one JSON line back
each: set/get (fields), reg (registers), fault, faults, slaves, stats,
frames. --record FILE gets every frame and the counters at exit
(SIGTERM, SIGINT) and whenever a master disconnects. A frame record holds
the baud it was timed at (null for garbage and bad CRCs, which the model
does not time); the record's config lists each slave's baud.
"""

import argparse
import heapq
import itertools
import json
import os
import random
import selectors
import signal
import socket
import sys
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unixsock import SocketError, listen_unix, unlink_quietly  # noqa: E402
from modbuslib import (BROADCAST, FC_WRITE_MULTIPLE,  # noqa: E402
                       FC_WRITE_SINGLE, HOLDING, INPUT, KINDS, MAX_ADDRESS,
                       FrameParser, ModbusError, address, crc_ok, integer,
                       serve_pdu, with_crc)

RECV_SIZE = 4096
SEND_TIMEOUT = 2.0      # a master that reads nothing for that long is gone
MAX_RECORDED_FRAMES = 100000
COUNTED_FAULTS = ("crc", "silence", "wrong-slave", "collision", "truncate",
                  "exception")
FAULT_KINDS = COUNTED_FAULTS + ("garbage", "readdress")
VERBOSE = False


class Terminated(Exception):
    """SIGTERM or SIGINT arrived."""


def die(msg):
    print(f"rs485-bus: error: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"rs485-bus: {msg}", file=sys.stderr, flush=True)


def vlog(msg):
    if VERBOSE:
        log(msg)


def line_speed(text):
    """The value of a slave's baud= option: a positive integer."""
    try:
        baud = int(text)
    except ValueError:
        baud = 0
    if baud <= 0:
        raise ValueError(f"baud must be a positive integer, not {text!r}")
    return baud


def slave_arg(text):
    """KIND@ADDR[:key=val,...] -> a Slave; its baud (None: --baud) is
    taken from the options before the kind sees them."""
    kind, _, rest = text.partition("@")
    addr_text, _, opts_text = rest.partition(":")
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown slave kind {kind!r} (one of {', '.join(KINDS)})")
    try:
        options = {}
        for opt in filter(None, opts_text.split(",")):
            key, sep, value = opt.partition("=")
            if not sep:
                raise ValueError(f"option {opt!r} is not key=value")
            options[key] = value
        baud = options.pop("baud", None)
        slave = KINDS[kind](address(addr_text), options)
        slave.baud = None if baud is None else line_speed(baud)
        return slave
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text}: {err}") from None


# --- faults ---------------------------------------------------------------

class Fault:
    """An armed fault; remaining None: forever."""

    def __init__(self, kind, addr, remaining, code=None):
        self.kind, self.addr, self.remaining, self.code = (
            kind, addr, remaining, code)

    def describe(self):
        return {"kind": self.kind, "addr": self.addr,
                "remaining": self.remaining, "code": self.code}


def parse_fault(spec):
    """SPEC -> (kind, params dict); ValueError if malformed."""
    kind, *parts = spec.split(":")
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r} (one of "
                         f"{', '.join(FAULT_KINDS)})")
    nums = [integer(p) for p in parts]
    if kind == "garbage":
        if len(nums) != 1 or not 1 <= nums[0] <= RECV_SIZE:
            raise ValueError(f"garbage:N with N in 1..{RECV_SIZE}")
        return kind, {"size": nums[0]}
    if kind == "readdress":
        if len(nums) != 2:
            raise ValueError("readdress:OLD:NEW")
        return kind, {"old": address(nums[0]), "new": address(nums[1])}
    need = 2 if kind == "exception" else 1
    if not need <= len(nums) <= need + 1:
        raise ValueError(f"{kind}:ADDR{':CODE' if need == 2 else ''}[:N]")
    count = nums[need] if len(nums) > need else 1
    if count < 0:
        raise ValueError("N must be >= 0")
    params = {"addr": address(nums[0]), "remaining": count or None}
    if kind == "exception":
        if not 1 <= nums[1] <= 0x7F:
            raise ValueError("exception code must be 1..127")
        params["code"] = nums[1]
    return kind, params


# --- the bus: protocol, faults, timing model (no I/O) ---------------------

class Timing:
    """Character times. The bits of a character and the default speed
    (--baud) are the bus's; the line speed is an argument: the speed of
    the slave addressed."""

    def __init__(self, args):
        self.bits = 1 + 8 + (args.parity != "N") + args.stop_bits
        self.baud = args.baud
        self.turnaround = args.turnaround_ms / 1000
        self.wire = args.wire_model

    def char(self, baud):
        return self.bits / baud

    def t35(self, baud):
        """The silent interval between frames."""
        return 3.5 * self.char(baud) if baud <= 19200 else 0.00175

    def silence(self, baud):
        """The silence that ends a frame of no known length."""
        return max(self.t35(baud), 0.020)

    def wire_time(self, nbytes, baud):
        return nbytes * self.char(baud)


class Recorder:
    """Frames and counters, kept for the control socket and --record."""

    def __init__(self, path):
        self.path = path
        self.t0 = time.monotonic()
        self.frames = []
        self.stats = {
            "requests": {}, "replies": 0, "exceptions": 0, "crc_errors": 0,
            "resyncs": 0, "unknown_addr": 0, "broadcasts": 0,
            "gap_violations": 0, "gap_rejected": 0, "faults_applied": 0,
            "faults_by_kind": {}, "garbage_bytes": 0, "bytes_rx": 0,
            "bytes_tx": 0, "connections": 0, "frames_not_recorded": 0}

    def count(self, key, amount=1):
        self.stats[key] += amount

    def count_in(self, key, sub, amount=1):
        table = self.stats[key]
        table[sub] = table.get(sub, 0) + amount

    def frame(self, direction, port, raw, verdict, baud=None, **extra):
        """Record a frame; baud: the speed it was timed at (None: not
        timed)."""
        entry = {"t": round(time.monotonic() - self.t0, 6),
                 "dir": direction, "port": port,
                 "addr": raw[0] if raw else None,
                 "fc": raw[1] if len(raw) > 1 else None,
                 "hex": raw.hex(), "verdict": verdict, "baud": baud}
        entry.update(extra)
        if len(self.frames) < MAX_RECORDED_FRAMES:
            self.frames.append(entry)
        else:
            self.count("frames_not_recorded")
        vlog(f"{port} {direction} {raw.hex(' ')}: {verdict}")

    def save(self, extra):
        if not self.path:
            return
        data = {"frames": self.frames, "stats": self.stats, **extra}
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        os.replace(tmp, self.path)


class Bus:
    """The slaves on the bus, their faults and the timing model."""

    def __init__(self, slaves, timing, rec, strict_gap, seed):
        self.slaves = {slave.addr: slave for slave in slaves}
        self.timing = timing
        self.rec = rec
        self.strict_gap = strict_gap
        self.rng = random.Random(seed)
        self.faults = []
        self.garbage_pending = 0
        self.idle_at = None         # modelled end of the last bus activity
        self.last_send = 0.0

    def add_fault(self, spec, connected):
        """Arm a fault; return garbage to send now (if any)."""
        kind, params = parse_fault(spec)
        if kind == "readdress":
            self.readdress(params["old"], params["new"])
            self.applied(kind)
        elif kind == "garbage":
            if connected:
                return self.garbage(params["size"])
            self.garbage_pending += params["size"]
        elif params["addr"] not in self.slaves:
            raise ValueError(f"no slave at address {params['addr']}")
        else:
            self.faults.append(Fault(kind, **params))
        vlog(f"fault armed: {spec}")
        return b""

    def baud_of(self, addr):
        """The line speed of requests to addr and their replies."""
        slave = self.slaves.get(addr)
        return self.timing.baud if slave is None else slave.baud

    def describe(self):
        return [{**slave.describe(), "baud": slave.baud}
                for slave in self.slaves.values()]

    def applied(self, kind):
        self.rec.count("faults_applied")
        self.rec.count_in("faults_by_kind", kind)

    def take(self, addr):
        """Use one count of the first fault armed for addr, if any."""
        for fault in self.faults:
            if fault.addr == addr:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if not fault.remaining:
                        self.faults.remove(fault)
                self.applied(fault.kind)
                return fault
        return None

    def garbage(self, size):
        self.applied("garbage")
        self.rec.count("garbage_bytes", size)
        return self.rng.randbytes(size)

    def readdress(self, old, new):
        if old not in self.slaves:
            raise ValueError(f"no slave at address {old}")
        if new in self.slaves and new != old:
            raise ValueError(f"address {new} is taken")
        slave = self.slaves.pop(old)
        slave.addr = new
        self.slaves[new] = slave
        log(f"{slave.kind} moved from address {old} to {new}")

    def moved(self, slave):
        new, slave.new_addr = slave.new_addr, None
        if new is not None and new != slave.addr:
            try:
                self.readdress(slave.addr, new)
            except ValueError as err:
                log(f"readdress refused: {err}")

    def request(self, frame, t_first, t_last, now):
        """Serve one request with a good CRC.

        Returns (verdict, gap, baud, send_at, pieces): baud is the line
        speed the request and its reply are timed at, that of the slave
        addressed (taken before a write may move it); pieces are (bytes,
        verdict) to put on the bus at time send_at.
        """
        t = self.timing
        baud = self.baud_of(frame[0])
        gap = None if self.idle_at is None else t_first - self.idle_at
        start = t_first if self.idle_at is None else max(t_first, self.idle_at)
        req_end = max(t_last, start + t.wire_time(len(frame), baud))
        violation = gap is not None and gap < t.t35(baud)
        if violation:
            self.rec.count("gap_violations")
        if violation and self.strict_gap:
            self.rec.count("gap_rejected")
            verdict, reply = "gap-rejected", None
        else:
            verdict, reply = self.transact(frame)
        pieces = []
        if self.garbage_pending:
            pieces.append((self.garbage(self.garbage_pending), "garbage"))
            self.garbage_pending = 0
        send_at = max(now + t.turnaround, self.last_send)
        if reply is None:
            self.idle_at = max(req_end, self.last_send)
        else:
            if t.wire:
                send_at = max(req_end + t.turnaround
                              + t.wire_time(len(reply), baud), self.last_send)
            self.idle_at = self.last_send = send_at
            pieces.append((reply, verdict))
        return verdict, gap, baud, send_at, pieces

    def transact(self, frame):
        addr, fc, data = frame[0], frame[1], frame[2:-2]
        if addr == BROADCAST:
            self.rec.count("broadcasts")
            if fc in (FC_WRITE_SINGLE, FC_WRITE_MULTIPLE):
                for slave in list(self.slaves.values()):
                    if slave.available():
                        serve_pdu(slave, fc, data)
                        self.moved(slave)
            return "broadcast", None
        slave = self.slaves.get(addr)
        if slave is None:
            self.rec.count("unknown_addr")
            return "unknown-addr", None
        self.rec.count_in("requests", str(addr))
        if not slave.available():
            return "booting", None
        fault = self.take(addr)
        kind = fault.kind if fault else None
        if kind == "silence":
            return "fault:silence", None
        if kind == "exception":
            pdu, verdict = bytes((fc | 0x80, fault.code)), "fault:exception"
        else:
            pdu = serve_pdu(slave, fc, data)
            verdict = "exception" if pdu[0] & 0x80 else "ok"
            self.moved(slave)
        if pdu[0] & 0x80:
            self.rec.count("exceptions")
        self.rec.count("replies")
        reply = self.mangle(addr, with_crc(bytes((addr,)) + pdu), kind)
        if kind not in (None, "exception"):
            verdict += f"+fault:{kind}"
        return verdict, reply

    def mangle(self, addr, reply, kind):
        """Apply a reply fault of kind (if it is one) to reply."""
        other = addr % MAX_ADDRESS + 1
        if kind == "wrong-slave":
            reply = with_crc(bytes((other,)) + reply[1:-2])
        elif kind == "crc":
            reply = reply[:-2] + bytes((reply[-2] ^ 0xA5, reply[-1] ^ 0x5A))
        elif kind == "truncate":
            reply = reply[:max(1, len(reply) // 2)]
        elif kind == "collision":
            body = bytes((other, 0x03)) + self.rng.randbytes(
                max(len(reply) - 4, 0))
            noise = with_crc(body)[:len(reply)]
            garbled = bytes(a | b for a, b in zip(reply, noise))
            if garbled == reply or crc_ok(garbled):
                garbled = garbled[:-1] + bytes((garbled[-1] ^ 0xFF,))
            reply = garbled
        return reply


# --- ports: where masters attach -------------------------------------------

def listen(path, backlog=4):
    try:
        return listen_unix(path, backlog)
    except SocketError as err:
        die(str(err))


class Port:
    """One attachment of a master: its own stream parser."""

    name = ""

    def __init__(self, sim):
        self.sim = sim
        self.reset()

    def reset(self):
        """A new master: forget its bytes and any reply still due."""
        self.generation = getattr(self, "generation", 0) + 1
        self.parser = FrameParser()
        self.dropped = bytearray()
        self.silence_at = None


class SocketPort(Port):
    """Unix socket server; a new client replaces the old one."""

    name = "socket"

    def __init__(self, sim, path):
        super().__init__(sim)
        self.path = path
        self.client = None
        self.server = listen(path)
        sim.sel.register(self.server, selectors.EVENT_READ, self.accept)

    def connected(self):
        return self.client is not None

    def accept(self):
        try:
            client, _ = self.server.accept()
        except OSError:
            return
        if self.client:
            log("new client replaces the old one")
            self.drop_client()
        self.client = client
        client.settimeout(SEND_TIMEOUT)
        self.sim.rec.count("connections")
        self.sim.sel.register(client, selectors.EVENT_READ, self.readable)
        log("client connected")

    def readable(self):
        try:
            data = self.client.recv(RECV_SIZE)
        except OSError:
            data = b""
        if not data:
            log("client disconnected")
            self.drop_client()
            self.sim.save("running")
            return
        self.sim.received(self, data)

    def drop_client(self):
        client, self.client = self.client, None
        if client:
            self.sim.sel.unregister(client)
            client.close()
        self.reset()

    def send(self, data):
        if not self.client:
            return False
        try:
            self.client.sendall(data)
        except OSError:
            log("client gone while sending")
            self.drop_client()
            return False
        return True

    def close(self):
        self.drop_client()
        self.server.close()
        unlink_quietly(self.path)


class PtyPort(Port):
    """A pty pair: the master end is served, PATH links to the slave."""

    name = "pty"

    def __init__(self, sim, link):
        super().__init__(sim)
        self.link = link
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.tty_path = os.ttyname(self.slave)
        if os.path.lexists(link) and not os.path.islink(link):
            die(f"{link} exists and is not a symlink")
        tmp = f"{link}.{os.getpid()}.tmp"
        try:
            os.symlink(self.tty_path, tmp)
            os.replace(tmp, link)
        except OSError as err:
            die(f"cannot link {link}: {err.strerror or err}")
        sim.sel.register(self.master, selectors.EVENT_READ, self.readable)
        log(f"{link} -> {self.tty_path}")

    def connected(self):
        return True

    def readable(self):
        try:
            data = os.read(self.master, RECV_SIZE)
        except BlockingIOError:
            return
        except OSError as err:
            data, reason = b"", err.strerror
        else:
            reason = "end of file"
        if not data:
            log(f"pty closed: {reason}")
            self.sim.sel.unregister(self.master)
            return
        self.sim.received(self, data)

    def send(self, data):
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.master, view):]
            except OSError:
                vlog(f"pty full: {len(view)} bytes dropped")
                return False
        return True

    def close(self):
        if os.path.islink(self.link) and \
                os.readlink(self.link) == self.tty_path:
            unlink_quietly(self.link)
        os.close(self.master)
        os.close(self.slave)


# --- control socket ---------------------------------------------------------

class Control:
    """Newline-delimited JSON commands, one JSON line back each."""

    def __init__(self, sim, path):
        self.sim = sim
        self.path = path
        self.conns = {}
        self.server = listen(path)
        sim.sel.register(self.server, selectors.EVENT_READ, self.accept)

    def accept(self):
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        self.conns[conn] = bytearray()
        self.sim.sel.register(conn, selectors.EVENT_READ,
                              lambda: self.readable(conn))

    def readable(self, conn):
        try:
            data = conn.recv(RECV_SIZE)
        except OSError:
            data = b""
        if not data:
            self.drop(conn)
            return
        buf = self.conns[conn]
        buf += data
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            if not line.strip():
                continue
            reply = json.dumps(self.command(line)) + "\n"
            try:
                conn.sendall(reply.encode())
            except OSError:
                self.drop(conn)
                return

    def drop(self, conn):
        self.sim.sel.unregister(conn)
        conn.close()
        del self.conns[conn]

    def command(self, line):
        try:
            cmd = json.loads(line)
            if not isinstance(cmd, dict):
                raise ValueError("a command is a JSON object")
            name = cmd["cmd"]
            handler = getattr(self, f"cmd_{name}", None)
            if handler is None:
                raise ValueError(f"unknown command {name!r}")
            return {"ok": True, **handler(cmd)}
        except KeyError as err:
            return {"ok": False, "error": f"missing {err}"}
        except ModbusError as err:
            return {"ok": False, "error": f"modbus exception {err.code}"}
        except ValueError as err:
            return {"ok": False, "error": str(err)}
        except Exception as err:    # a bad command must not stop the bus
            return {"ok": False, "error": f"{type(err).__name__}: {err}"}

    def slave(self, cmd):
        addr = integer(cmd["addr"])
        if addr not in self.sim.bus.slaves:
            raise ValueError(f"no slave at address {addr}")
        return self.sim.bus.slaves[addr]

    def cmd_set(self, cmd):
        slave = self.slave(cmd)
        slave.set_field(cmd["field"], cmd["value"])
        return {"value": slave.get_field(cmd["field"])}

    def cmd_get(self, cmd):
        return {"value": self.slave(cmd).get_field(cmd["field"])}

    def cmd_reg(self, cmd):
        slave = self.slave(cmd)
        table = cmd.get("table", HOLDING)
        if table not in (HOLDING, INPUT):
            raise ValueError("table must be holding or input")
        reg = integer(cmd["reg"])
        if cmd.get("value") is not None:
            slave.control_reg(table, reg, cmd["value"])
        return {"value": slave.control_reg(table, reg)}

    def cmd_fault(self, cmd):
        self.sim.fault(cmd["spec"])
        return {}

    def cmd_faults(self, _cmd):
        return {"faults": [f.describe() for f in self.sim.bus.faults],
                "garbage_pending": self.sim.bus.garbage_pending}

    def cmd_slaves(self, _cmd):
        return {"slaves": self.sim.bus.describe()}

    def cmd_stats(self, _cmd):
        return {"stats": self.sim.rec.stats}

    def cmd_frames(self, cmd):
        return {"frames": self.sim.rec.frames[integer(cmd.get("since", 0)):]}

    def close(self):
        for conn in list(self.conns):
            self.drop(conn)
        self.server.close()
        unlink_quietly(self.path)


# --- main loop --------------------------------------------------------------

class Simulator:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.timers = []
        self.seq = itertools.count()
        self.rec = Recorder(args.record)
        self.timing = Timing(args)
        self.bus = Bus(args.slave, self.timing, self.rec, args.strict_gap,
                       args.seed)
        self.ports = []
        self.control = None
        # Signals only wake the loop up: it stops between two events.
        self.wakeup, wakeup_w = socket.socketpair()
        wakeup_w.setblocking(False)
        self.wakeup_w = wakeup_w
        signal.set_wakeup_fd(wakeup_w.fileno())
        self.sel.register(self.wakeup, selectors.EVENT_READ, self.signalled)
        for spec in args.fault:
            try:
                self.bus.add_fault(spec, connected=False)
            except ValueError as err:
                die(f"--fault {spec}: {err}")

    def open(self):
        """The listening socket comes last: once it exists, all do."""
        if self.args.pty_link:
            self.ports.append(PtyPort(self, self.args.pty_link))
        if self.args.control:
            self.control = Control(self, self.args.control)
        if self.args.listen:
            self.ports.append(SocketPort(self, self.args.listen))
        slaves = ", ".join(
            f"{slave.kind}@{addr}" + ("" if slave.baud == self.args.baud
                                      else f" ({slave.baud} baud)")
            for addr, slave in sorted(self.bus.slaves.items()))
        log(f"serving {slaves} at {self.args.baud} baud, "
            f"{self.timing.bits} bits/char")

    def signalled(self):
        self.wakeup.recv(RECV_SIZE)
        raise Terminated()

    def at(self, when, fn):
        heapq.heappush(self.timers, (when, next(self.seq), fn))

    def received(self, port, data):
        now = time.monotonic()
        self.rec.count("bytes_rx", len(data))
        port.parser.feed(data, now)
        self.parse(port, now, silent=False)
        port.silence_at = now + self.frame_silence(port) \
            if len(port.parser) else None

    def frame_silence(self, port):
        """The silence that ends the frame at the head of port's bytes,
        at the speed of the slave its first byte addresses."""
        return self.timing.silence(self.bus.baud_of(port.parser.buf[0]))

    def parse(self, port, now, silent):
        for event in port.parser.events(silent):
            if event[0] == "drop":
                port.dropped.append(event[1])
                self.rec.count("resyncs")
                continue
            self.flush_dropped(port)
            if event[0] == "bad-crc":
                self.rec.count("crc_errors")
                self.rec.frame("rx", port.name, event[1], "bad-crc")
                continue
            _, frame, t_first, t_last = event
            verdict, gap, baud, send_at, pieces = self.bus.request(
                frame, t_first, t_last, now)
            gap_ms = None if gap is None else round(gap * 1000, 3)
            self.rec.frame("rx", port.name, frame, verdict, baud=baud,
                           gap_ms=gap_ms)
            if pieces:
                self.at(send_at, lambda p=pieces, b=baud, g=port.generation:
                        g == port.generation and self.transmit([port], p, b))
        if not len(port.parser):
            self.flush_dropped(port)

    def flush_dropped(self, port):
        if port.dropped:
            self.rec.frame("rx", port.name, bytes(port.dropped), "garbage",
                           addr=None, fc=None)
            port.dropped.clear()

    def transmit(self, ports, pieces, baud=None):
        """Send pieces; a reply among them was timed at baud."""
        data = b"".join(raw for raw, _ in pieces)
        for port in ports:
            if port.send(data):
                self.rec.count("bytes_tx", len(data))
        names = ",".join(port.name for port in ports)
        for raw, verdict in pieces:
            extra = {"addr": None, "fc": None} if verdict == "garbage" \
                else {"baud": baud}
            self.rec.frame("tx", names, raw, verdict, **extra)

    def fault(self, spec):
        ports = [port for port in self.ports if port.connected()]
        noise = self.bus.add_fault(spec, connected=bool(ports))
        if noise:
            self.transmit(ports, [(noise, "garbage")])

    def run(self):
        while True:
            deadlines = [port.silence_at for port in self.ports
                         if port.silence_at is not None]
            if self.timers:
                deadlines.append(self.timers[0][0])
            timeout = None
            if deadlines:
                timeout = max(0.0, min(deadlines) - time.monotonic())
            for key, _ in self.sel.select(timeout):
                key.data()
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                heapq.heappop(self.timers)[2]()
            for port in self.ports:
                if port.silence_at is not None and port.silence_at <= now:
                    port.silence_at = None
                    self.parse(port, now, silent=True)

    def save(self, reason):
        t35 = self.timing.t35(self.args.baud)
        slave_baud = {str(addr): slave.baud for addr, slave
                      in sorted(self.bus.slaves.items())}
        self.rec.save({
            "exit_reason": reason,
            "slaves": self.bus.describe(),
            "faults": [f.describe() for f in self.bus.faults],
            "config": {"baud": self.args.baud, "bits": self.timing.bits,
                       "t35_ms": round(t35 * 1000, 3),
                       "slave_baud": slave_baud,
                       "wire_model": self.args.wire_model,
                       "strict_gap": self.args.strict_gap}})

    def close(self):
        for port in self.ports:
            port.close()
        if self.control:
            self.control.close()
        self.sel.close()
        signal.set_wakeup_fd(-1)
        self.wakeup.close()
        self.wakeup_w.close()


def on_signal(_signum, _frame):
    """Nothing: the wakeup fd tells the main loop."""


def positive(convert):
    def parse(text):
        value = convert(text)
        if value < 0 or (convert is int and value == 0):
            raise argparse.ArgumentTypeError(f"bad value {text}")
        return value
    return parse


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Simulate an RS485 bus of Modbus RTU slaves.")
    p.add_argument("--listen", metavar="SOCK",
                   help="unix socket for the master (e.g. QEMU's chardev)")
    p.add_argument("--pty-link", metavar="PATH",
                   help="symlink PATH to a pty served as the bus")
    p.add_argument("--slave", action="append", type=slave_arg,
                   required=True, metavar="KIND@ADDR[:k=v,...]",
                   help=f"a slave; KIND one of {', '.join(KINDS)}")
    p.add_argument("--baud", type=positive(int), default=19200)
    p.add_argument("--parity", type=str.upper, choices="NEO", default="N")
    p.add_argument("--stop-bits", type=int, choices=(1, 2), default=1)
    p.add_argument("--turnaround-ms", type=positive(float), default=1.0,
                   help="slave reply delay (default 1.0)")
    p.add_argument("--wire-model", action="store_true",
                   help="reply no earlier than the wire time allows")
    p.add_argument("--strict-gap", action="store_true",
                   help="drop requests that follow bus activity too soon")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="arm a fault at start (repeatable)")
    p.add_argument("--control", metavar="SOCK",
                   help="unix socket for JSON control commands")
    p.add_argument("--record", metavar="FILE",
                   help="JSON record of frames and counters")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for garbage and collision bytes")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log every frame")
    args = p.parse_args(argv)
    if not args.listen and not args.pty_link:
        p.error("need --listen or --pty-link (or both)")
    addrs = [slave.addr for slave in args.slave]
    if len(set(addrs)) != len(addrs):
        p.error("two slaves share an address")
    for slave in args.slave:
        if slave.baud is None:
            slave.baud = args.baud
    return args


def main(argv):
    global VERBOSE
    args = parse_args(argv)
    VERBOSE = args.verbose
    sim = Simulator(args)
    reason = "error"
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sim.open()
        sim.run()
    except Terminated:
        reason = "terminated"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sim.close()
        sim.save(reason)
        log(f"exit: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
