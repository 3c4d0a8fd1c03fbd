# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/rs485-bus.py, the RS485 Modbus RTU bus simulator.

Run from the repository root:
  /usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'

The simulator runs as a subprocess; the tests are its master on the unix
socket, and Debian's mbpoll (libmodbus) is an independent master on the
pty.
"""

import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from peertest import (JsonLines, assert_wire_time, connect_unix,
                      read_for, recv_exact)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(TOP, "scripts", "peers")
SIM = os.path.join(PEERS, "rs485-bus.py")
PYTHON = sys.executable or "/usr/bin/python3"
TIMEOUT = 10
QUIET = 0.15            # how long "no answer" is watched for

sys.path.insert(0, PEERS)
from modbuslib import (crc16, crc_ok, reply_length, request,  # noqa: E402
                       with_crc)

SCD30 = 0x61
FW_VERSION, INTERVAL, DATA_READY, READ_MEAS = 0x20, 0x25, 0x27, 0x28
RESET, START_MEAS, STOP_MEAS, FRC, ASC = 0x34, 0x36, 0x37, 0x39, 0x3A


def reply(addr, fc, words=(), fmt="H"):
    """A read reply: addr, fc, byte count, words packed with fmt."""
    data = struct.pack(f">{len(words)}{fmt}", *words)
    return with_crc(bytes((addr, fc, len(data))) + data)


def exception(addr, fc, code):
    return with_crc(bytes((addr, fc | 0x80, code)))


class Sim:
    """One simulator process, a master connection and a control client."""

    def __init__(self, tmp, args, listen=True):
        self.sock_path = os.path.join(tmp, "bus.sock")
        self.ctl_path = os.path.join(tmp, "ctl.sock")
        self.record_path = os.path.join(tmp, "record.json")
        self.log_path = os.path.join(tmp, "sim.log")
        self.pty_link = os.path.join(tmp, "ttyRS485")
        ports = ["--listen", self.sock_path] if listen else \
            ["--pty-link", self.pty_link]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [PYTHON, SIM, *ports, "--control", self.ctl_path,
                 "--record", self.record_path, "-v", *args], stderr=log)
        self.ctl = JsonLines(connect_unix(self.ctl_path, self.proc))
        self.sock = connect_unix(self.sock_path, self.proc) if listen \
            else None

    def send(self, data, chunk=None, pause=0.0):
        chunk = chunk or len(data)
        for off in range(0, len(data), chunk):
            self.sock.sendall(data[off:off + chunk])
            if pause:
                time.sleep(pause)

    def read_reply(self):
        """One reply frame, its length told by its header."""
        head = recv_exact(self.sock, 3)
        size = reply_length(head)
        if size is None:
            raise AssertionError(f"connection closed after {head.hex()}")
        return head + recv_exact(self.sock, size - 3)

    def ask(self, frame, **send_args):
        self.send(frame, **send_args)
        return self.read_reply()

    def quiet(self, window=QUIET):
        return read_for(self.sock, window)

    def call(self, **command):
        answer = self.ctl.call(**command)
        if not answer["ok"]:
            raise AssertionError(f"{command}: {answer['error']}")
        return answer

    def stats(self):
        return self.call(cmd="stats")["stats"]

    def frames(self):
        return self.call(cmd="frames")["frames"]

    def stop(self):
        """SIGTERM; return the record the simulator leaves."""
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(timeout=TIMEOUT) != 0:
            raise AssertionError(f"exit status {self.proc.returncode}")
        with open(self.record_path) as f:
            return json.load(f)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def close(self):
        for sock in (self.sock, self.ctl.sock):
            if sock:
                sock.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("no exit on SIGTERM")


class SimCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rs485-bus-test-")
        self.sims = []

    def tearDown(self):
        try:
            for sim in self.sims:
                sim.close()
                self.assertNotIn("Traceback", sim.log())
        finally:
            shutil.rmtree(self.tmp)

    def start(self, *args, listen=True):
        sim = Sim(self.tmp, args, listen=listen)
        self.sims.append(sim)
        return sim


# --- framing, CRC, addressing ------------------------------------------------

class FramingTest(SimCase):
    def test_crc_reference_vectors(self):
        self.assertEqual(crc16(b"123456789"), 0x4B37)    # CRC-16/MODBUS
        self.assertEqual(request(1, 3, 0, 10),
                         bytes.fromhex("01030000000ac5cd"))

    def test_request_in_one_byte_chunks(self):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=40")
        got = sim.ask(request(1, 4, 1, 2), chunk=1, pause=0.002)
        self.assertEqual(got, reply(1, 4, (235, 400)))
        write = request(1, 0x06, 0x0103, 12)
        self.assertEqual(sim.ask(write, chunk=1), write)

    def test_garbage_before_frame_resyncs(self):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=40")
        good = reply(1, 4, (235, 400))
        self.assertEqual(sim.ask(b"\x07\x10\x00" + request(1, 4, 1, 2)),
                         good)
        self.assertEqual(sim.ask(b"\xff\xfe" + request(1, 4, 1, 2),
                                 chunk=1), good)
        stats = sim.stats()
        self.assertEqual(stats["resyncs"], 5)
        self.assertEqual(stats["requests"], {"1": 2})
        verdicts = [f["verdict"] for f in sim.frames() if f["dir"] == "rx"]
        self.assertEqual(verdicts, ["bad-crc", "garbage", "ok",
                                    "garbage", "ok"])

    def test_random_bytes_do_not_stop_the_bus(self):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=40", "--slave",
                         "regs@3", "--slave", "scd30@0x61")
        rng = random.Random(5)
        noise = rng.randbytes(6000)
        for off in range(0, len(noise), 97):
            sim.send(noise[off:off + 97], chunk=rng.randint(1, 40))
        sim.quiet(0.1)                  # whatever the noise happened to ask
        self.assertEqual(sim.ask(request(1, 4, 1, 2)), reply(1, 4, (235, 400)))
        stats = sim.stats()
        self.assertEqual(stats["bytes_rx"], len(noise) + 8)
        self.assertGreater(stats["resyncs"], len(noise) // 2)

    def test_bad_crc_counted_not_answered(self):
        sim = self.start("--slave", "regs@3")
        bad = bytearray(request(3, 3, 0, 2))
        bad[-1] ^= 0x01
        sim.send(bytes(bad))
        self.assertEqual(sim.quiet(), b"")
        stats = sim.stats()
        self.assertEqual((stats["crc_errors"], stats["replies"]), (1, 0))
        self.assertEqual(stats["resyncs"], len(bad))
        self.assertEqual(sim.ask(request(3, 3, 0, 2)), reply(3, 3, (0, 0)))

    def test_unknown_address_silent(self):
        sim = self.start("--slave", "regs@3")
        sim.send(request(4, 3, 0, 1))
        self.assertEqual(sim.quiet(), b"")
        self.assertEqual(sim.stats()["unknown_addr"], 1)
        self.assertEqual(sim.stats()["requests"], {})

    def test_broadcast_write_executed_never_answered(self):
        sim = self.start("--slave", "regs@3", "--slave", "regs@4")
        sim.send(request(0, 0x06, 5, 77))
        sim.send(request(0, 0x10, 6, 2, payload=b"\x00\x08\x00\x09"))
        sim.send(request(0, 0x03, 5, 1))
        self.assertEqual(sim.quiet(), b"")
        for addr in (3, 4):
            values = [sim.call(cmd="reg", addr=addr, reg=r)["value"]
                      for r in (5, 6, 7)]
            self.assertEqual(values, [77, 8, 9])
        self.assertEqual(sim.stats()["broadcasts"], 3)

    def test_exceptions(self):
        sim = self.start("--slave", "regs@3:count=16", "--slave",
                         "sdm120@2")
        cases = [
            (request(3, 0x01, 0, 1), exception(3, 0x01, 1)),
            (request(2, 0x03, 0, 2), exception(2, 0x03, 1)),
            (request(3, 0x03, 15, 2), exception(3, 0x03, 2)),
            (request(3, 0x06, 16, 1), exception(3, 0x06, 2)),
            (request(3, 0x04, 0, 0), exception(3, 0x04, 3)),
            (request(3, 0x03, 0, 126), exception(3, 0x03, 3)),
            (request(3, 0x10, 0, 2, payload=b"\x00\x01"),
             exception(3, 0x10, 3)),
        ]
        for frame, expected in cases:
            self.assertEqual(sim.ask(frame), expected, frame.hex())
        self.assertEqual(sim.stats()["exceptions"], len(cases))

    def test_unknown_function_ends_at_silence(self):
        sim = self.start("--slave", "regs@3")
        samples = []
        for _ in range(5):
            start = time.monotonic()
            self.assertEqual(sim.ask(with_crc(b"\x03\x11")),
                             exception(3, 0x11, 1))
            samples.append(time.monotonic() - start)
        # 20 ms of silence, then the 1 ms turnaround.
        assert_wire_time(self, samples, 0.021,
                         "end of an unknown frame at silence")


# --- the slaves --------------------------------------------------------------

def kernel_float_to_fp(bits):
    """scd30_float_to_fp() of drivers/iio/chemical/scd30_core.c."""
    mantissa, exp = bits & 0x7FFFFF, (bits >> 23) & 0xFF
    sign = -1 if bits & 0x80000000 else 1
    if not exp and not mantissa:
        return 0
    exp -= 127
    if exp < 0:
        return sign * (((((1 << 23) + mantissa) * 100) >> 23) >> -exp)
    shift = 23 - exp
    whole = (1 << exp) + (mantissa >> shift)
    fraction = mantissa & ((1 << shift) - 1)
    return sign * (whole * 100 + ((fraction * 100) >> shift))


def scd30_frame(reg, arg=0, size=0):
    """A request built as scd30_serdev_command() builds it, and the
    number of bytes the driver then waits for."""
    if size:
        count = size // 2 if reg == READ_MEAS else 1
        return request(SCD30, 0x03, reg, count), 3 + size + 2
    if reg in (STOP_MEAS, RESET):
        arg = 1
    frame = request(SCD30, 0x06, reg, arg)
    return frame, len(frame)


class Scd30Test(SimCase):
    def xfer(self, sim, reg, arg=0, size=0):
        """One driver transfer, checked as the driver checks it."""
        frame, rxsize = scd30_frame(reg, arg, size)
        start = time.monotonic()
        sim.send(frame)
        rx = recv_exact(sim.sock, rxsize)
        self.assertLess(time.monotonic() - start, 0.2)  # driver timeout
        self.assertEqual(len(rx), rxsize)
        if not size:
            self.assertEqual(rx, frame)                 # memcmp
            return None
        self.assertEqual(rx[2], rxsize - 5)
        self.assertTrue(crc_ok(rx))
        return rx[3:-2]

    def test_kernel_probe_and_read_sequence(self):
        sim = self.start("--slave", "scd30@0x61:co2=812.5,temp=23.45,rh=55")
        self.xfer(sim, RESET)
        self.xfer(sim, DATA_READY, size=2)      # ignored by the driver
        fw = struct.unpack(">H", self.xfer(sim, FW_VERSION, size=2))[0]
        self.assertEqual(f"{fw >> 8}.{fw & 0xff}", "3.66")
        self.xfer(sim, INTERVAL, 2)
        self.xfer(sim, START_MEAS, 1013)
        # A sysfs read: DATA_READY must be non-zero, then READ_MEAS.
        self.assertEqual(self.xfer(sim, DATA_READY, size=2), b"\x00\x01")
        meas = self.xfer(sim, READ_MEAS, size=12)
        co2, temp, rh = (kernel_float_to_fp(b)
                         for b in struct.unpack(">3I", meas))
        self.assertEqual(co2, 81250)            # in_concentration_co2_raw
        self.assertAlmostEqual(temp * 10, 23450, delta=10)
        self.assertEqual(rh * 10, 55000)
        self.assertEqual(struct.unpack(">H", self.xfer(
            sim, INTERVAL, size=2))[0], 2)
        self.xfer(sim, STOP_MEAS)               # unbind
        self.assertEqual(self.xfer(sim, DATA_READY, size=2), b"\x00\x00")
        self.assertEqual(sim.quiet(), b"")
        fields = sim.call(cmd="slaves")["slaves"][0]["fields"]
        self.assertEqual((fields["pressure"], fields["measuring"],
                          fields["resets"]), (1013, 0, 1))
        self.assertEqual(sim.stats()["requests"], {"97": 10})

    def test_float_encoding(self):
        sim = self.start("--slave", "scd30@97:co2=400.25,temp=-3.25,rh=0")
        got = sim.ask(request(SCD30, 3, READ_MEAS, 6))
        self.assertEqual(got, reply(SCD30, 3, (400.25, -3.25, 0.0), "f"))
        self.assertEqual(kernel_float_to_fp(
            struct.unpack(">I", got[7:11])[0]) * 10, -3250)
        sim.call(cmd="set", addr=SCD30, field="co2", value=1234.5)
        got = sim.ask(request(SCD30, 3, READ_MEAS, 2))
        self.assertEqual(got, reply(SCD30, 3, (1234.5,), "f"))
        got = sim.ask(request(SCD30, 3, READ_MEAS + 4, 2))
        self.assertEqual(got, reply(SCD30, 3, (0.0,), "f"))

    def test_command_registers_checked(self):
        sim = self.start("--slave", "scd30@0x61")
        ok = [request(SCD30, 6, ASC, 1), request(SCD30, 6, FRC, 450),
              request(SCD30, 6, START_MEAS, 0)]
        for frame in ok:
            self.assertEqual(sim.ask(frame), frame)
        self.assertEqual(sim.ask(request(SCD30, 3, ASC, 1)),
                         reply(SCD30, 3, (1,)))
        refused = [(request(SCD30, 6, FRC, 300), 0x06, 3),
                   (request(SCD30, 6, INTERVAL, 1), 0x06, 3),
                   (request(SCD30, 6, START_MEAS, 100), 0x06, 3),
                   (request(SCD30, 6, FW_VERSION, 1), 0x06, 2),
                   (request(SCD30, 3, 0x30, 1), 0x03, 2),
                   (request(SCD30, 3, FW_VERSION, 2), 0x03, 2),
                   (request(SCD30, 3, READ_MEAS, 7), 0x03, 2),
                   (request(SCD30, 4, READ_MEAS, 6), 0x04, 1)]
        for frame, fc, code in refused:
            self.assertEqual(sim.ask(frame), exception(SCD30, fc, code),
                             frame.hex())

    def test_timed_ready_and_boot_time(self):
        sim = self.start("--slave", "scd30@0x61:ready=timed,boot_ms=150")
        self.assertEqual(sim.ask(request(SCD30, 6, START_MEAS, 1013)),
                         request(SCD30, 6, START_MEAS, 1013))
        self.assertEqual(sim.ask(request(SCD30, 3, DATA_READY, 1)),
                         reply(SCD30, 3, (0,)))     # first one after 2 s
        self.assertEqual(sim.ask(request(SCD30, 6, RESET, 1)),
                         request(SCD30, 6, RESET, 1))
        sim.send(request(SCD30, 3, FW_VERSION, 1))
        self.assertEqual(sim.quiet(0.1), b"")       # still booting
        time.sleep(0.1)
        self.assertEqual(sim.ask(request(SCD30, 3, FW_VERSION, 1)),
                         reply(SCD30, 3, (0x0342,)))


class Xymd02Test(SimCase):
    def test_inputs_holding_and_corrections(self):
        sim = self.start("--slave", "xymd02@1:temp=-5.5,rh=41.2")
        self.assertEqual(sim.ask(request(1, 4, 1, 2)),
                         reply(1, 4, (-55, 412), "h"))
        self.assertEqual(sim.ask(request(1, 3, 0x0101, 4)),
                         reply(1, 3, (1, 0, 0, 0)))
        for reg, value in ((0x0103, 15), (0x0104, 0xFFF6), (0x0102, 2)):
            frame = request(1, 6, reg, value)
            self.assertEqual(sim.ask(frame), frame)
        self.assertEqual(sim.ask(request(1, 4, 1, 2)),
                         reply(1, 4, (-40, 402), "h"))
        self.assertEqual(sim.ask(request(1, 3, 0x0101, 4)),
                         reply(1, 3, (1, 2, 15, 0xFFF6)))
        self.assertEqual(sim.ask(request(1, 4, 2, 1)), reply(1, 4, (402,)))
        self.assertEqual(sim.ask(request(1, 6, 0x0103, 200)),
                         exception(1, 6, 3))
        self.assertEqual(sim.ask(request(1, 4, 0, 2)), exception(1, 4, 2))
        self.assertEqual(sim.ask(request(1, 0x10, 0x0103, 1,
                                         payload=b"\0\1")),
                         exception(1, 0x10, 1))

    def test_address_register_moves_the_slave(self):
        sim = self.start("--slave", "xymd02@1", "--slave", "regs@3")
        frame = request(1, 6, 0x0101, 7)
        self.assertEqual(sim.ask(frame), frame)     # from the old address
        sim.send(request(1, 4, 1, 1))
        self.assertEqual(sim.quiet(), b"")
        self.assertEqual(sim.ask(request(7, 3, 0x0101, 1)),
                         reply(7, 3, (7,)))
        frame = request(7, 6, 0x0101, 3)             # taken: stays at 7
        self.assertEqual(sim.ask(frame), frame)
        addrs = sorted(s["addr"] for s in sim.call(cmd="slaves")["slaves"])
        self.assertEqual(addrs, [3, 7])


class Sdm120Test(SimCase):
    def test_block_read_of_80_registers(self):
        sim = self.start("--slave",
                         "sdm120@2:volts=231.5,amps=2,watts=400,hz=49.9,"
                         "kwh=1234.5")
        got = sim.ask(request(2, 4, 0, 80))
        self.assertTrue(crc_ok(got))
        self.assertEqual(got[:3], b"\x02\x04\xa0")
        words = struct.unpack(">80H", got[3:-2])

        def value(reg):
            pair = struct.pack(">HH", *words[reg:reg + 2])
            return struct.unpack(">f", pair)[0]
        va = 231.5 * 2
        expected = {0x00: 231.5, 0x06: 2.0, 0x0C: 400.0, 0x12: va,
                    0x18: (va * va - 400.0 ** 2) ** 0.5, 0x1E: 400 / va,
                    0x46: 49.9, 0x48: 1234.5, 0x4A: 0.0}
        for reg, want in expected.items():
            self.assertAlmostEqual(value(reg), want, places=3, msg=hex(reg))
        mapped = {r + i for r in expected for i in (0, 1)}
        self.assertEqual({words[r] for r in range(80) if r not in mapped},
                         {0})

    def test_single_values_and_range(self):
        sim = self.start("--slave", "sdm120@2:kwh=10,export_kwh=2.5")
        self.assertEqual(sim.ask(request(2, 4, 0x0156, 2)),
                         reply(2, 4, (12.5,), "f"))
        sim.call(cmd="set", addr=2, field="hz", value=60)
        self.assertEqual(sim.ask(request(2, 4, 0x0046, 2)),
                         reply(2, 4, (60.0,), "f"))
        self.assertEqual(sim.ask(request(2, 4, 0x015F, 2)),
                         exception(2, 4, 2))


class RegsTest(SimCase):
    def test_write_and_read_tables(self):
        sim = self.start("--slave", "regs@3")
        self.assertEqual(sim.ask(request(3, 6, 255, 0xBEEF)),
                         request(3, 6, 255, 0xBEEF))
        values = list(range(100, 110))
        payload = struct.pack(">10H", *values)
        self.assertEqual(sim.ask(request(3, 0x10, 20, 10, payload=payload)),
                         with_crc(b"\x03\x10\x00\x14\x00\x0a"))
        self.assertEqual(sim.ask(request(3, 3, 20, 10)),
                         reply(3, 3, values))
        self.assertEqual(sim.ask(request(3, 3, 254, 2)),
                         reply(3, 3, (0, 0xBEEF)))
        sim.call(cmd="reg", addr=3, table="input", reg=7, value=4242)
        self.assertEqual(sim.ask(request(3, 4, 6, 2)), reply(3, 4, (0, 4242)))
        self.assertEqual(sim.ask(request(3, 3, 255, 2)), exception(3, 3, 2))


# --- faults ------------------------------------------------------------------

GOOD = reply(1, 4, (235, 412))


class FaultTest(SimCase):
    def start_xy(self, *args):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=41.2",
                         "--slave", "regs@3", *args)
        return sim

    def answers(self, sim, count, addr=1):
        out = []
        for _ in range(count):
            sim.send(request(addr, 4, 1, 2))
            out.append(sim.quiet(0.08))
        return out

    def test_crc(self):
        sim = self.start_xy("--fault", "crc:1:2")
        got = self.answers(sim, 3)
        for bad in got[:2]:
            self.assertEqual(len(bad), len(GOOD))
            self.assertEqual(bad[:-2], GOOD[:-2])
            self.assertFalse(crc_ok(bad))
        self.assertEqual(got[2], GOOD)
        self.assertEqual(sim.stats()["faults_by_kind"], {"crc": 2})

    def test_silence(self):
        sim = self.start_xy()
        sim.call(cmd="fault", spec="silence:1:2")
        self.assertEqual(self.answers(sim, 3), [b"", b"", GOOD])
        sim.call(cmd="fault", spec="silence:1:0")
        self.assertEqual(self.answers(sim, 3), [b""] * 3)
        self.assertEqual(sim.ask(request(3, 3, 0, 1)), reply(3, 3, (0,)))
        self.assertEqual(sim.call(cmd="faults")["faults"],
                         [{"kind": "silence", "addr": 1, "remaining": None,
                           "code": None}])

    def test_wrong_slave(self):
        sim = self.start_xy("--fault", "wrong-slave:1")
        got = self.answers(sim, 2)
        self.assertTrue(crc_ok(got[0]))
        self.assertNotEqual(got[0][0], 1)
        self.assertEqual(got[0][1:-2], GOOD[1:-2])
        self.assertEqual(got[1], GOOD)

    def test_collision(self):
        sim = self.start_xy()
        sim.call(cmd="fault", spec="collision:1")
        got = self.answers(sim, 2)
        self.assertEqual(len(got[0]), len(GOOD))
        self.assertNotEqual(got[0], GOOD)
        self.assertFalse(crc_ok(got[0]))
        self.assertEqual(bytes(a & b for a, b in zip(got[0], GOOD)), GOOD)
        self.assertEqual(got[1], GOOD)

    def test_truncate(self):
        sim = self.start_xy("--fault", "truncate:1:1")
        got = self.answers(sim, 2)
        self.assertTrue(0 < len(got[0]) < len(GOOD))
        self.assertEqual(got[0], GOOD[:len(got[0])])
        self.assertEqual(got[1], GOOD)

    def test_exception(self):
        sim = self.start_xy("--fault", "exception:1:6:2")
        self.assertEqual(self.answers(sim, 3), [exception(1, 4, 6)] * 2
                         + [GOOD])
        frame = request(1, 6, 0x0103, 5)
        sim.call(cmd="fault", spec="exception:1:0x04")
        self.assertEqual(sim.ask(frame), exception(1, 6, 4))
        self.assertEqual(sim.ask(request(1, 3, 0x0103, 1)),
                         reply(1, 3, (0,)))   # the write was not executed

    def test_one_fault_a_request_in_armed_order(self):
        sim = self.start_xy("--fault", "truncate:1:1", "--fault", "crc:1:1",
                            "--fault", "exception:1:4:1")
        got = self.answers(sim, 4)
        self.assertTrue(0 < len(got[0]) < len(GOOD))
        self.assertEqual(got[0], GOOD[:len(got[0])])
        self.assertEqual((len(got[1]), got[1][:-2]), (len(GOOD), GOOD[:-2]))
        self.assertFalse(crc_ok(got[1]))
        self.assertEqual(got[2:], [exception(1, 4, 4), GOOD])
        self.assertEqual(sim.stats()["faults_by_kind"],
                         {"truncate": 1, "crc": 1, "exception": 1})

    def test_garbage_at_next_request_and_now(self):
        sim = self.start_xy("--fault", "garbage:4")
        sim.send(request(1, 4, 1, 2))
        noise = recv_exact(sim.sock, 4)
        self.assertEqual(len(noise), 4)
        self.assertEqual(sim.read_reply(), GOOD)
        sim.call(cmd="fault", spec="garbage:7")
        self.assertEqual(len(recv_exact(sim.sock, 7)), 7)
        self.assertEqual(sim.quiet(0.05), b"")
        self.assertEqual(sim.stats()["garbage_bytes"], 11)

    def test_readdress(self):
        sim = self.start_xy()
        sim.call(cmd="fault", spec="readdress:1:9")
        self.assertEqual(self.answers(sim, 1), [b""])
        self.assertEqual(self.answers(sim, 1, addr=9),
                         [reply(9, 4, (235, 412))])
        answer = sim.ctl.call(cmd="fault", spec="readdress:9:3")
        self.assertEqual(answer, {"ok": False, "error": "address 3 is taken"})

    def test_bad_specs_refused(self):
        sim = self.start_xy()
        for spec in ("crc", "crc:1:x", "noise:1", "crc:5", "exception:1",
                     "garbage:0", "readdress:1"):
            self.assertFalse(sim.ctl.call(cmd="fault", spec=spec)["ok"], spec)
        out = subprocess.run([PYTHON, SIM, "--listen",
                              os.path.join(self.tmp, "x.sock"), "--slave",
                              "regs@3", "--fault", "crc:4"],
                             capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 1)
        self.assertIn("no slave at address 4", out.stderr)
        self.assertEqual(sim.stats()["faults_applied"], 0)


# --- control socket, record, lifecycle ---------------------------------------

class ControlTest(SimCase):
    def test_fields_registers_and_errors(self):
        sim = self.start("--slave", "scd30@0x61", "--slave", "xymd02@1")
        self.assertEqual(sim.call(cmd="set", addr=97, field="co2",
                                  value=800.0)["value"], 800.0)
        self.assertEqual(sim.ask(request(SCD30, 3, READ_MEAS, 2)),
                         reply(SCD30, 3, (800.0,), "f"))
        self.assertEqual(sim.call(cmd="get", addr=1, field="temp")["value"],
                         23.5)
        sim.call(cmd="reg", addr=1, table="input", reg=1, value=-12)
        self.assertEqual(sim.ask(request(1, 4, 1, 1)),
                         reply(1, 4, (-12,), "h"))
        self.assertEqual(sim.call(cmd="reg", addr=1, reg=0x0101)["value"], 1)
        for bad in ({"cmd": "set", "addr": 97, "field": "nope", "value": 1},
                    {"cmd": "set", "addr": 5, "field": "co2", "value": 1},
                    {"cmd": "set", "addr": 97, "field": "co2", "value": "x"},
                    {"cmd": "set", "addr": 97, "field": "co2", "value": 1e39},
                    {"cmd": "set", "addr": 97, "field": "fw", "value": 70000},
                    {"cmd": "reg", "addr": 1, "table": "coils", "reg": 1},
                    {"cmd": "reg", "addr": 1, "reg": 0x200},
                    {"cmd": "bogus"}, {}):
            answer = sim.ctl.call(**bad)
            self.assertFalse(answer["ok"], bad)
            self.assertIn("error", answer)
        for raw in (b"{not json", b"[1, 2]", b'{"cmd": "reg", "addr": 1}'):
            self.assertFalse(sim.ctl.line(raw)["ok"], raw)
        self.assertTrue(sim.ctl.call(cmd="stats")["ok"])

    def test_frames_record_and_sigterm(self):
        sim = self.start("--slave", "regs@3")
        sim.ask(request(3, 3, 0, 1))
        frames = sim.frames()
        self.assertEqual([(f["dir"], f["addr"], f["fc"], f["verdict"])
                          for f in frames],
                         [("rx", 3, 3, "ok"), ("tx", 3, 3, "ok")])
        self.assertEqual(frames[0]["hex"], request(3, 3, 0, 1).hex())
        record = sim.stop()
        self.assertEqual(record["exit_reason"], "terminated")
        self.assertEqual(record["frames"], frames)
        stats = record["stats"]
        self.assertEqual((stats["bytes_rx"], stats["bytes_tx"]), (8, 7))
        self.assertEqual(stats["requests"], {"3": 1})
        self.assertFalse(os.path.exists(sim.sock_path))
        self.assertFalse(os.path.exists(sim.ctl_path))

    def test_per_slave_baud_in_slaves_frames_and_record(self):
        sim = self.start("--slave", "sdm120@4:volts=230.5,baud=9600",
                         "--slave", "regs@3:baud=38400,count=16",
                         "--slave", "xymd02@1", "--slave",
                         "xymd02@2:baud=4800", "--baud", "19200")
        slaves = {s["addr"]: s for s in sim.call(cmd="slaves")["slaves"]}
        self.assertEqual({addr: s["baud"] for addr, s in slaves.items()},
                         {4: 9600, 3: 38400, 1: 19200, 2: 4800})
        self.assertEqual(slaves[4]["fields"]["volts"], 230.5)
        self.assertEqual(slaves[3]["fields"], {"count": 16})
        sim.ask(request(4, 4, 0, 2))
        sim.ask(request(3, 3, 0, 1))
        sim.ask(request(1, 4, 1, 2))
        sim.send(request(0, 6, 5, 1))
        sim.send(b"\xff" + request(8, 3, 0, 1))
        self.assertEqual(sim.quiet(), b"")
        sim.call(cmd="fault", spec="readdress:4:9")   # its speed moves too
        sim.ask(request(9, 4, 0, 2))
        sim.ask(request(2, 6, 0x0101, 7))   # moves itself; answers at 4800
        frames = sim.frames()
        self.assertEqual(
            [(f["dir"], f["addr"], f["verdict"], f["baud"]) for f in frames],
            [("rx", 4, "ok", 9600), ("tx", 4, "ok", 9600),
             ("rx", 3, "ok", 38400), ("tx", 3, "ok", 38400),
             ("rx", 1, "ok", 19200), ("tx", 1, "ok", 19200),
             ("rx", 0, "broadcast", 19200), ("rx", None, "garbage", None),
             ("rx", 8, "unknown-addr", 19200),
             ("rx", 9, "ok", 9600), ("tx", 9, "ok", 9600),
             ("rx", 2, "ok", 4800), ("tx", 2, "ok", 4800)])
        record = sim.stop()
        self.assertEqual(record["frames"], frames)
        self.assertEqual(record["config"]["baud"], 19200)
        self.assertEqual(record["config"]["slave_baud"],
                         {"1": 19200, "3": 38400, "7": 4800, "9": 9600})
        self.assertEqual({s["addr"]: s["baud"] for s in record["slaves"]},
                         {1: 19200, 3: 38400, 7: 4800, 9: 9600})


class LifecycleTest(SimCase):
    def test_reconnect_replaces_client(self):
        sim = self.start("--slave", "regs@3")
        sim.send(request(3, 3, 0, 1)[:5])     # half a frame, then gone
        second = connect_unix(sim.sock_path, sim.proc)
        self.addCleanup(second.close)
        try:                                    # the old one is closed
            self.assertEqual(sim.sock.recv(16), b"")
        except ConnectionResetError:
            pass
        second.sendall(request(3, 3, 0, 1))
        self.assertEqual(recv_exact(second, 7), reply(3, 3, (0,)))
        second.close()
        third = connect_unix(sim.sock_path, sim.proc)
        self.addCleanup(third.close)
        third.sendall(request(3, 3, 0, 1))
        self.assertEqual(recv_exact(third, 7), reply(3, 3, (0,)))
        self.assertEqual(sim.stats()["connections"], 3)

    def test_reply_due_to_a_replaced_client_is_dropped(self):
        sim = self.start("--slave", "xymd02@1", "--baud", "1200",
                         "--wire-model")
        sim.send(request(1, 4, 1, 2))               # answered after 142 ms
        while sim.stats()["requests"] != {"1": 1}:
            time.sleep(0.005)
        second = connect_unix(sim.sock_path, sim.proc)
        self.addCleanup(second.close)
        self.assertEqual(read_for(second, 0.3), b"")
        second.sendall(request(1, 4, 1, 2))
        self.assertEqual(len(recv_exact(second, 9)), 9)

    def test_usage_errors(self):
        for args in ([], ["--slave", "regs@3"],
                     ["--listen", "x", "--slave", "nope@3"],
                     ["--listen", "x", "--slave", "regs@300"],
                     ["--listen", "x", "--slave", "regs@3", "--slave",
                      "xymd02@3"]):
            out = subprocess.run([PYTHON, SIM, *args], capture_output=True,
                                 text=True, timeout=TIMEOUT, cwd=self.tmp)
            self.assertEqual(out.returncode, 2, args)
            self.assertNotIn("Traceback", out.stderr)

    def test_bad_slave_baud_is_a_usage_error(self):
        for spec in ("sdm120@4:baud=0", "sdm120@4:volts=230.5,baud=-9600",
                     "regs@3:baud=fast", "regs@3:count=16,baud=9600.5",
                     "xymd02@1:baud="):
            out = subprocess.run([PYTHON, SIM, "--listen", "x", "--slave",
                                  spec], capture_output=True, text=True,
                                 timeout=TIMEOUT, cwd=self.tmp)
            self.assertEqual(out.returncode, 2, spec)
            self.assertIn("usage:", out.stderr)
            self.assertIn(f"{spec}: baud must be a positive integer",
                          out.stderr)
            self.assertNotIn("Traceback", out.stderr)


# --- timing ------------------------------------------------------------------

def timed_asks(test, sim, frame, rounds, reply_len, pause=0.01):
    """Send frame rounds times; return each answer's time, checking its
    length."""
    samples = []
    for _ in range(rounds):
        start = time.monotonic()
        got = sim.ask(frame)
        samples.append(time.monotonic() - start)
        test.assertEqual(len(got), reply_len)
        time.sleep(pause)
    return samples


class TimingTest(SimCase):
    def test_wire_model_latency(self):
        sim = self.start("--slave", "sdm120@2", "--baud", "9600",
                         "--wire-model", "--turnaround-ms", "2")
        samples = timed_asks(self, sim, request(2, 4, 0, 80), 5, 5 + 160)
        modelled = (8 + 165) * 10 / 9600 + 0.002
        assert_wire_time(self, samples, modelled, "9600 8N1, 173 bytes")
        self.assertEqual(sim.stats()["gap_violations"], 0)

    def test_wire_model_at_each_slave_speed(self):
        sim = self.start("--slave", "sdm120@4:volts=230.5,baud=9600",
                         "--slave", "regs@3", "--baud", "19200",
                         "--wire-model", "--turnaround-ms", "2")
        samples = {4: [], 3: []}
        for _ in range(5):
            for addr in samples:
                samples[addr] += timed_asks(self, sim, request(addr, 4, 0, 80),
                                            1, 5 + 160)
        for addr, baud in ((4, 9600), (3, 19200)):
            modelled = (8 + 165) * 10 / baud + 0.002
            assert_wire_time(self, samples[addr], modelled,
                             f"slave {addr} at {baud} 8N1, 173 bytes")
        self.assertEqual(sim.stats()["gap_violations"], 0)

    def test_silence_at_each_slave_speed(self):
        sim = self.start("--slave", "regs@3:baud=1200", "--slave", "regs@5",
                         "--baud", "19200")
        samples = {3: [], 5: []}
        for _ in range(5):
            for addr in samples:
                start = time.monotonic()
                self.assertEqual(sim.ask(with_crc(bytes((addr, 0x11)))),
                                 exception(addr, 0x11, 1))
                samples[addr].append(time.monotonic() - start)
        # 3.5 characters at 1200 baud (29.2 ms), 20 ms at 19200; then the
        # 1 ms turnaround.
        assert_wire_time(self, samples[3], 3.5 * 10 / 1200 + 0.001,
                         "end of an unknown frame at 1200 baud")
        assert_wire_time(self, samples[5], 0.021,
                         "end of an unknown frame at 19200 baud")

    def test_parity_adds_a_bit(self):
        sim = self.start("--slave", "regs@3", "--baud", "9600",
                         "--parity", "E", "--wire-model")
        samples = timed_asks(self, sim, request(3, 4, 0, 125), 3, 5 + 250)
        # 11 bits a character; 10 would be 9 % short, 12 9 % long.
        modelled = (8 + 255) * 11 / 9600 + 0.001
        assert_wire_time(self, samples, modelled, "9600 8E1, 263 bytes")
        self.assertEqual(sim.stop()["config"]["bits"], 11)

    def test_without_wire_model_replies_at_once(self):
        sim = self.start("--slave", "sdm120@2", "--baud", "9600",
                         "--turnaround-ms", "5")
        samples = timed_asks(self, sim, request(2, 4, 0, 80), 3, 5 + 160,
                             pause=0)
        # The turnaround only: far below the 180 ms the wire would take.
        assert_wire_time(self, samples, 0.005, "no wire model")
        self.assertLess(max(samples), (8 + 5 + 160) * 10 / 9600)

    def test_back_to_back_requests_violate_the_gap(self):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=41.2")
        sim.send(request(1, 4, 1, 2) * 2)
        self.assertEqual([sim.read_reply(), sim.read_reply()], [GOOD] * 2)
        time.sleep(0.01)                        # > 3.5 chars at 19200
        self.assertEqual(sim.ask(request(1, 4, 1, 2)), GOOD)
        self.assertEqual(sim.stats()["gap_violations"], 1)
        gaps = [f["gap_ms"] for f in sim.frames() if f["dir"] == "rx"]
        self.assertIsNone(gaps[0])
        self.assertLess(gaps[1], 0)
        self.assertGreater(gaps[2], 3.5 * 10 / 19.2)

    def test_strict_gap_drops_the_merged_frame(self):
        sim = self.start("--slave", "xymd02@1:temp=23.5,rh=41.2",
                         "--strict-gap")
        sim.send(request(1, 4, 1, 2) * 2)
        self.assertEqual(sim.quiet(), GOOD)
        stats = sim.stats()
        self.assertEqual((stats["gap_violations"], stats["gap_rejected"]),
                         (1, 1))

    def test_gap_at_the_speed_of_the_next_request(self):
        """2.5 ms after a reply is short of 3.5 characters at 9600 baud
        (3.65 ms), not at 19200 (1.82 ms), whatever the last slave was."""
        sim = self.start("--slave", "sdm120@4:baud=9600", "--slave", "regs@3",
                         "--baud", "19200")

        def after_reply(first, then):
            """Ask first, then ask then 2.5 ms after the reply; return the
            gap the bus saw before then (ms), and violations counted."""
            before = sim.stats()["gap_violations"]
            time.sleep(0.01)
            sim.ask(request(first, 4, 0, 2))
            time.sleep(0.0025)
            sim.ask(request(then, 4, 0, 2))
            gap_ms = [f for f in sim.frames() if f["dir"] == "rx"][-1][
                "gap_ms"]
            return gap_ms, sim.stats()["gap_violations"] - before

        # A gap of 3.5 ms or more (a late wake-up of either side) cannot
        # tell the two speeds apart: such tries are not counted.
        told = {4: 0, 3: 0}
        for _ in range(40):
            for first, then in ((3, 4), (4, 3)):
                gap_ms, violations = after_reply(first, then)
                self.assertGreaterEqual(gap_ms, 2.5)
                if gap_ms < 3.5:
                    self.assertEqual(violations, int(then == 4),
                                     f"{first} then {then}: {gap_ms} ms")
                    told[then] += 1
            if min(told.values()) >= 3:
                break
        self.assertGreaterEqual(min(told.values()), 3, told)


# --- an independent master: mbpoll (libmodbus) on the pty --------------------

def mbpoll(link, *args, values=()):
    """Run mbpoll on link; return {reference: first printed word}."""
    out = subprocess.run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none",
                          "-0", "-o", "2", *args, link, *values],
                         capture_output=True, text=True, timeout=TIMEOUT)
    if out.returncode != 0:
        raise AssertionError(f"mbpoll {args}: {out.stdout}{out.stderr}")
    return {int(ref): value for ref, value in
            re.findall(r"^\[(\d+)\]:\s+(\S+)", out.stdout, re.M)}


class MbpollTest(SimCase):
    def test_reads_and_writes_through_the_pty(self):
        sim = self.start("--slave", "xymd02@1:temp=21.7,rh=38.9", "--slave",
                         "regs@3", "--slave", "scd30@0x61:co2=612.5",
                         listen=False)
        self.assertTrue(os.path.islink(sim.pty_link))
        got = mbpoll(sim.pty_link, "-a", "1", "-r", "1", "-c", "2", "-t", "3",
                     "-1")
        served = [sim.call(cmd="reg", addr=1, table="input", reg=r)["value"]
                  for r in (1, 2)]
        self.assertEqual(got, {1: str(served[0]), 2: str(served[1])})
        self.assertEqual(served, [217, 389])

        for reg, value in ((10, 111), (11, 65535), (12, 7)):
            sim.call(cmd="reg", addr=3, reg=reg, value=value)
        got = mbpoll(sim.pty_link, "-a", "3", "-r", "10", "-c", "3", "-t",
                     "4", "-1")
        self.assertEqual(got, {10: "111", 11: "65535", 12: "7"})

        mbpoll(sim.pty_link, "-a", "3", "-r", "20", "-t", "4",
               values=("1234", "5678"))
        self.assertEqual([sim.call(cmd="reg", addr=3, reg=r)["value"]
                          for r in (20, 21)], [1234, 5678])

        got = mbpoll(sim.pty_link, "-a", "97", "-r", "40", "-c", "3", "-t",
                     "4:float", "-B", "-1")
        self.assertEqual(got, {40: "612.5", 42: "21.5", 44: "45"})

        fcs = [f["fc"] for f in sim.frames() if f["dir"] == "rx"]
        self.assertEqual(fcs, [4, 3, 0x10, 3])
        self.assertEqual(sim.stats()["crc_errors"], 0)


if __name__ == "__main__":
    unittest.main()
