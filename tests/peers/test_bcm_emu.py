# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/bcm-emu.py and scripts/peers/mkhcd.py.

Run from the repository root:
  /usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'
"""

import hashlib
import itertools
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

from peertest import (EmuProcess, EmuTestCase, assert_wire_time,
                      recv_exact)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EMU = os.path.join(TOP, "scripts", "peers", "bcm-emu.py")
MKHCD = os.path.join(TOP, "scripts", "peers", "mkhcd.py")
PYTHON = sys.executable or "/usr/bin/python3"
TIMEOUT = 10

RESET, READ_NAME, READ_VERSION, READ_BDADDR = 0x0C03, 0x0C14, 0x1001, 0x1009
BAUD, MINIDRIVER, WRITE_RAM, LAUNCH_RAM = 0xFC18, 0xFC2E, 0xFC4C, 0xFC4E
HCI_RESET_H4 = b"\x01\x03\x0c\x00"


def h4_command(opcode, params=b""):
    return struct.pack("<BHB", 1, opcode, len(params)) + params


def baud_params(baud):
    return b"\0\0" + struct.pack("<I", baud)


def parse_hcd(blob):
    """Split an .hcd file into records; the last may be incomplete.

    Each record: dict(offset, opcode, length, params, complete).
    """
    records, off = [], 0
    while off < len(blob):
        header = blob[off:off + 3]
        if len(header) < 3:
            records.append({"offset": off, "opcode": None, "length": None,
                            "params": header, "complete": False})
            break
        opcode, length = struct.unpack("<HB", header)
        params = blob[off + 3:off + 3 + length]
        records.append({"offset": off, "opcode": opcode, "length": length,
                        "params": params, "complete": len(params) == length})
        off += 3 + length
    return records


def h4_record(blob, rec):
    """The H4 command packet carrying one .hcd record."""
    return b"\x01" + blob[rec["offset"]:rec["offset"] + 3 + rec["length"]]


def run_mkhcd(path, *extra):
    out = subprocess.run([PYTHON, MKHCD, "-o", path, *extra], check=True,
                         capture_output=True, text=True, timeout=TIMEOUT)
    with open(path, "rb") as f:
        return f.read(), json.loads(out.stdout)


def split(data, sizes):
    """Cut data into pieces whose sizes cycle through sizes."""
    pieces, off = [], 0
    for size in itertools.cycle(sizes):
        if off >= len(data):
            return pieces
        pieces.append(data[off:off + size])
        off += size
    return pieces


class PacketReader:
    """Read whole H4 packets (events, ACL) from a socket."""

    HEADERS = {2: (4, 2, 2), 4: (2, 1, 1)}

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def packet(self):
        while True:
            size = self._size()
            if size is not None and len(self.buf) >= size:
                packet, self.buf = self.buf[:size], self.buf[size:]
                return packet
            data = self.sock.recv(4096)
            if not data:
                raise AssertionError(f"connection closed, have {self.buf!r}")
            self.buf += data

    def _size(self):
        if not self.buf:
            return None
        if self.buf[0] not in self.HEADERS:
            raise AssertionError(f"not an event or ACL: {self.buf.hex()}")
        hlen, loff, lsize = self.HEADERS[self.buf[0]]
        if len(self.buf) < 1 + hlen:
            return None
        plen = int.from_bytes(self.buf[1 + loff:1 + loff + lsize], "little")
        return 1 + hlen + plen


class Emu(EmuProcess):
    """One emulator process and a client connection to it."""

    script = EMU
    sock_name = "bcm.sock"
    reader = None

    def connect(self):
        super().connect()
        self.reader = PacketReader(self.sock)

    def send(self, data, sizes=None, pause=0.0):
        for piece in split(data, sizes or [len(data) or 1]):
            self.sock.sendall(piece)
            if pause:
                time.sleep(pause)

    def reply(self):
        """Read one Command Complete: (opcode, status, rest)."""
        event = self.reader.packet()
        if event[:2] != b"\x04\x0e" or event[3] != 1:
            raise AssertionError(f"not a Command Complete: {event.hex()}")
        opcode, status = struct.unpack_from("<HB", event, 4)
        return opcode, status, event[7:]

    def command(self, opcode, params=b"", **send_args):
        self.send(h4_command(opcode, params), **send_args)
        got_opcode, status, rest = self.reply()
        if got_opcode != opcode:
            raise AssertionError(f"reply to 0x{got_opcode:04x}, "
                                 f"sent 0x{opcode:04x}")
        return status, rest

class TempDirCase(EmuTestCase):
    emu_class = Emu
    tmp_prefix = "bcm-emu-test-"


class DownloadTest(TempDirCase):
    def test_full_download_session(self):
        path = os.path.join(self.tmp, "fw.hcd")
        blob, summary = run_mkhcd(path, "--size", "20000", "--seed", "7",
                                  "--base", "0x00210000")
        records = parse_hcd(blob)
        emu = self.start()
        rom_version = self.boot_queries(emu)
        self.assertEqual(emu.command(MINIDRIVER), (0, b""))
        for i, rec in enumerate(records):
            sizes = [1, 7, 13, 61] if i % 2 else [3, 250, 2]
            emu.send(h4_record(blob, rec), sizes=sizes, pause=0.001)
            self.assertEqual(emu.reply(), (rec["opcode"], 0, b""))
        self.assertEqual(emu.record()["launch_address"], 0xFFFFFFFF)
        self.after_launch(emu, records[0]["params"], rom_version)
        final = emu.finish()
        self.check_download_record(final, records, summary)
        self.assertEqual(final["commands"][:5],
                         ["0x0c03", "0x1001", "0x1009", "0x0c14", "0xfc2e"])
        self.assertEqual(len(final["commands"]), 5 + len(records) + 3)
        self.assertEqual(final["exit_reason"], "client-closed")

    def boot_queries(self, emu):
        """Ask what a driver asks a ROM; return its version."""
        self.assertEqual(emu.command(RESET), (0, b""))
        version = self.check_version(emu)
        status, addr = emu.command(READ_BDADDR)
        self.assertEqual((status, len(addr)), (0, 6))
        status, name = emu.command(READ_NAME)
        self.assertEqual((status, len(name)), (0, 248))
        self.assertEqual(name.rstrip(b"\0"),
                         b"BCM43438A1 37.4MHz Raspberry Pi 3-0141")
        return version

    def after_launch(self, emu, write_params, rom_version):
        """Download commands refused; Reset and a new version answered."""
        self.assertEqual(emu.command(WRITE_RAM, write_params)[0], 0x0C)
        self.assertEqual(emu.command(RESET), (0, b""))
        self.assertNotEqual(self.check_version(emu), rom_version)

    def check_download_record(self, final, records, summary):
        writes = [r for r in records if r["opcode"] == WRITE_RAM]
        data = b"".join(r["params"][4:] for r in writes)
        sha = hashlib.sha256(data).hexdigest()
        last = struct.unpack_from("<I", writes[-1]["params"])[0]
        self.assertEqual(final["write_ram_sha256"], sha)
        self.assertEqual(summary["write_ram_sha256"], sha)
        self.assertEqual(final["write_ram_records"], len(writes))
        self.assertEqual(final["write_ram_bytes"], len(data))
        self.assertEqual(len(data), 20000)
        self.assertEqual(final["write_ram_first_address"], 0x00210000)
        self.assertEqual(final["write_ram_last_address"], last)
        self.assertEqual(final["launch_address"], 0xFFFFFFFF)
        self.assertTrue(final["download_mode_entered"])
        self.assertFalse(final["handed_off"])
        self.assertLessEqual(final["t_download_minidriver"],
                             final["t_launch_ram"])
        self.assertEqual(final["refused"],
                         [{"opcode": "0xfc4c", "status": 0x0C}])

    def check_version(self, emu):
        status, ver = emu.command(READ_VERSION)
        self.assertEqual((status, len(ver)), (0, 8))
        hci_ver, rev, lmp_ver, maker, subver = struct.unpack("<BHBHH", ver)
        self.assertEqual((hci_ver, lmp_ver, maker), (7, 7, 15))
        self.assertEqual(subver, 0x2209)
        return rev, subver

    def test_commands_pipelined_in_one_stream(self):
        path = os.path.join(self.tmp, "fw.hcd")
        blob, summary = run_mkhcd(path, "--size", "3000", "--seed", "3",
                                  "--chunk", "200")
        stream = h4_command(MINIDRIVER) + b"".join(
            h4_record(blob, r) for r in parse_hcd(blob))
        emu = self.start()
        emu.send(stream, sizes=[5, 1, 333, 2], pause=0.001)
        count = 1 + summary["write_ram_records"] + 1
        replies = [emu.reply() for _ in range(count)]
        self.assertEqual([r[1] for r in replies], [0] * count)
        final = emu.finish()
        self.assertEqual(final["write_ram_sha256"],
                         summary["write_ram_sha256"])
        self.assertEqual(final["write_ram_records"], 15)

    def test_write_ram_before_minidriver_refused(self):
        emu = self.start()
        params = struct.pack("<I", 0x210000) + b"\xaa" * 16
        self.assertEqual(emu.command(WRITE_RAM, params), (0x0C, b""))
        self.assertEqual(emu.command(LAUNCH_RAM, b"\xff" * 4), (0x0C, b""))
        final = emu.finish()
        self.assertEqual(final["write_ram_records"], 0)
        self.assertFalse(final["download_mode_entered"])
        self.assertEqual(final["refused_count"], 2)
        self.assertEqual(final["refused"][0],
                         {"opcode": "0xfc4c", "status": 0x0C})

    def test_bad_lengths_refused(self):
        emu = self.start()
        emu.command(MINIDRIVER)
        self.assertEqual(emu.command(LAUNCH_RAM, b"\xff" * 3)[0], 0x12)
        self.assertEqual(emu.command(LAUNCH_RAM, b"\xff" * 5)[0], 0x12)
        self.assertEqual(emu.command(WRITE_RAM, b"\0\0\x21\0")[0], 0x12)
        final = emu.finish()
        self.assertIsNone(final["launch_address"])
        self.assertEqual(final["refused"],
                         [{"opcode": "0xfc4e", "status": 0x12},
                          {"opcode": "0xfc4e", "status": 0x12},
                          {"opcode": "0xfc4c", "status": 0x12}])

    def test_baud_commands(self):
        emu = self.start()
        self.assertEqual(emu.command(BAUD, baud_params(1234567))[0], 0x12)
        self.assertEqual(emu.command(BAUD, baud_params(921600)[:5])[0], 0x12)
        self.assertEqual(emu.command(BAUD, baud_params(3000000))[0], 0)
        expected = [{"baud": 1234567, "accepted": False},
                    {"baud": None, "accepted": False},
                    {"baud": 3000000, "accepted": True}]
        self.assertEqual(emu.record()["baud_commands"], expected)
        final = emu.finish()
        self.assertEqual(final["baud_commands"], expected)
        self.assertEqual(final["refused_count"], 2)

    def test_unknown_opcodes(self):
        emu = self.start()
        self.assertEqual(emu.command(0xFC99, b"\x01\x02"), (0x01, b""))
        self.assertEqual(emu.command(0x1003), (0x01, b""))
        final = emu.finish()
        self.assertEqual(final["refused"],
                         [{"opcode": "0xfc99", "status": 0x01},
                          {"opcode": "0x1003", "status": 0x01}])

    def test_garbage_byte_resyncs(self):
        emu = self.start()
        emu.send(b"\xff" + HCI_RESET_H4)
        self.assertEqual(emu.reply(), (RESET, 0, b""))
        self.assertEqual(emu.finish()["dropped_bytes"], 1)


class ChipTest(TempDirCase):
    """Who the emulator says it is, and swapping chips."""

    # LMP subversions of btbcm's UART table, and what the chips call
    # themselves.
    EXPECTED = {
        "BCM43430A1": (0x2209, b"BCM43438A1 37.4MHz Raspberry Pi 3-0141"),
        "BCM4345C0": (0x6119, b"BCM43455 37.4MHz Raspberry Pi 3+-0190"),
        "BCM4345C5": (0x6606, b"BCM4345C5 AP6256"),
        "unknown": (0x5a5a, b"BCM4399 unlisted"),
    }

    def identity(self, emu):
        status, ver = emu.command(READ_VERSION)
        self.assertEqual(status, 0)
        _, rev, _, maker, subver = struct.unpack("<BHBHH", ver)
        self.assertEqual(maker, 15)
        status, name = emu.command(READ_NAME)
        self.assertEqual((status, len(name)), (0, 248))
        return subver, name.rstrip(b"\0"), rev

    def test_each_chip_identifies_itself(self):
        for chip, (subver, name) in self.EXPECTED.items():
            with self.subTest(chip=chip):
                emu = self.start("--chip", chip)
                self.assertEqual(self.identity(emu), (subver, name, 0))
                self.assertEqual(emu.finish()["chip"], chip)

    def test_btbcm_info_commands(self):
        emu = self.start("--chip", "BCM4345C0")
        status, verbose = emu.command(0xFC79)
        self.assertEqual((status, len(verbose)), (0, 6))
        self.assertEqual(verbose[0], 2)
        status, features = emu.command(0xFC6E)
        self.assertEqual((status, len(features)), (0, 8))
        self.assertEqual(emu.command(0xFC79, b"\0")[0], 0x12)
        self.assertEqual(emu.finish()["refused_count"], 1)

    def download(self, emu, fill, count):
        emu.command(MINIDRIVER)
        for i in range(count):
            params = struct.pack("<I", 0x210000 + i) + bytes([fill]) * 10
            self.assertEqual(emu.command(WRITE_RAM, params)[0], 0)
        self.assertEqual(emu.command(LAUNCH_RAM, b"\xff" * 4)[0], 0)
        self.assertEqual(emu.command(RESET)[0], 0)

    def test_next_chip_is_a_fresh_chip(self):
        emu = self.start("--chip", "BCM4345C0", "--chip", "unknown")
        self.download(emu, 0x11, 2)
        self.assertEqual(self.identity(emu)[2], 0x1165)
        self.assertEqual(emu.command(0xFCF0), (0, b""))
        self.assertEqual(self.identity(emu),
                         self.EXPECTED["unknown"] + (0,))
        self.assertEqual(emu.record()["chip"], "unknown")
        self.download(emu, 0x22, 3)
        self.assertEqual(emu.command(0xFCF0), (0, b""))
        self.assertEqual(self.identity(emu)[0], 0x6119)
        final = emu.finish()
        self.assertEqual(final["chip_switches"], 2)
        chips = final["chips"]
        self.assertEqual(chips["BCM4345C0"]["write_ram_records"], 2)
        self.assertEqual(chips["BCM4345C0"]["write_ram_sha256"],
                         hashlib.sha256(b"\x11" * 20).hexdigest())
        self.assertEqual(chips["unknown"]["write_ram_bytes"], 30)
        self.assertEqual(chips["unknown"]["launches"], 1)
        self.assertEqual(chips["unknown"]["minidrivers"], 1)
        self.assertEqual(final["launches"], 2)

    def test_next_chip_refused_with_one_chip(self):
        emu = self.start()
        self.assertEqual(emu.command(0xFCF0), (0x0C, b""))
        self.assertEqual(emu.command(0xFCF0, b"\1"), (0x12, b""))
        final = emu.finish()
        self.assertEqual((final["chip"], final["chip_switches"]),
                         ("BCM43430A1", 0))


class HandoffTest(TempDirCase):
    def test_handoff_proxies_both_ways(self):
        up_path, listener = self.upstream()
        emu = self.start("--upstream", up_path)
        emu.command(MINIDRIVER)
        emu.command(WRITE_RAM, struct.pack("<I", 0x210000) + b"\x55" * 8)
        emu.command(LAUNCH_RAM, b"\xff" * 4)

        acl_out = b"\x02\x01\x20\x03\x00abc"
        emu.send(HCI_RESET_H4 + acl_out, sizes=[3, 100])
        upstream, _ = listener.accept()
        self.addCleanup(upstream.close)
        upstream.settimeout(TIMEOUT)
        self.assertEqual(recv_exact(upstream, 4 + len(acl_out)),
                         HCI_RESET_H4 + acl_out)

        reset_done = b"\x04\x0e\x04\x01\x03\x0c\x00"
        acl_in = b"\x02\x01\x20\x02\x00xy"
        upstream.sendall(reset_done + acl_in)
        self.assertEqual(emu.reader.packet(), reset_done)
        self.assertEqual(emu.reader.packet(), acl_in)

        # The patched firmware answers vendor commands itself: a speed
        # command is answered here and never reaches the upstream.
        speed = struct.pack("<HI", 0, 3000000)
        self.assertEqual(emu.command(0xfc18, speed), (0, b""))
        # So is the chip's identity, which drivers read to pick the
        # firmware: its name and its version (patched now).
        status, name = emu.command(0x0c14)
        self.assertEqual((status, name[:10]), (0, b"BCM43438A1"))
        status, ver = emu.command(READ_VERSION)
        self.assertEqual(struct.unpack("<BHBHH", ver),
                         (7, 0x1165, 7, 15, 0x2209))

        emu.send(h4_command(READ_BDADDR))
        self.assertEqual(recv_exact(upstream, 4), h4_command(READ_BDADDR))
        marker = b"\x04\x0e\x0a\x01\x09\x10\x00" + b"\x42" * 6
        upstream.sendall(marker)
        self.assertEqual(emu.reader.packet(), marker)
        self.assertTrue(emu.record()["handed_off"])
        final = emu.finish()
        self.assertTrue(final["handed_off"])
        self.assertIn({"baud": 3000000, "accepted": True},
                      final["baud_commands"])
        self.assertEqual(final["proxied_to_upstream"], 4 + len(acl_out) + 4)
        self.assertEqual(final["proxied_from_upstream"],
                         len(reset_done + acl_in + marker))

    def test_no_handoff_before_launch(self):
        up_path = os.path.join(self.tmp, "upstream.sock")
        emu = self.start("--upstream", up_path)
        self.assertEqual(emu.command(RESET), (0, b""))
        self.assertFalse(emu.finish()["handed_off"])


    def test_rom_firmware_runs_without_download(self):
        """No download: the ROM's firmware answers what the boot code
        does not, through the upstream."""
        up_path, listener = self.upstream()
        emu = self.start("--upstream", up_path)
        self.assertEqual(emu.command(RESET), (0, b""))
        self.assertEqual(emu.command(BAUD, baud_params(3000000)), (0, b""))
        self.assertEqual(emu.command(0xFC99), (0x01, b""))
        emu.send(h4_command(0x1003))
        upstream, _ = listener.accept()
        self.addCleanup(upstream.close)
        upstream.settimeout(TIMEOUT)
        self.assertEqual(recv_exact(upstream, 4), h4_command(0x1003))
        final = emu.finish()
        self.assertTrue(final["handed_off"])
        self.assertTrue(final["rom_ran"])
        self.assertFalse(final["download_mode_entered"])


class WireModelTest(TempDirCase):
    def test_wire_baud_model_slows_transfer(self):
        baud, records, payload = 9600, 5, 251
        emu = self.start("--wire-baud-model", "--init-baud", str(baud))
        emu.command(MINIDRIVER)
        params = struct.pack("<I", 0x210000) + bytes(payload)
        samples = []
        for _ in range(records):
            start = time.monotonic()
            self.assertEqual(emu.command(WRITE_RAM, params), (0, b""))
            samples.append(time.monotonic() - start)
        wire_bytes = len(h4_command(WRITE_RAM, params)) + 7   # + reply
        assert_wire_time(self, samples, wire_bytes * 10 / baud,
                         f"Write RAM, {wire_bytes} bytes at {baud}")
        self.assertEqual(emu.finish()["write_ram_records"], records)

    def test_wire_time_runs_while_the_host_sends(self):
        """A command whose bytes trickle in at the line's own pace has used
        its wire time by its last byte: the reply follows after the reply's
        own wire time, not after the command's a second time."""
        baud, payload = 9600, 96
        emu = self.start("--wire-baud-model", "--init-baud", str(baud))
        emu.command(MINIDRIVER)
        raw = h4_command(WRITE_RAM, struct.pack("<I", 0x210000) + bytes(payload))
        byte_time = 10 / baud
        start = time.monotonic()
        emu.send(raw[:-1], sizes=[1] * (len(raw) - 1), pause=byte_time)
        sent = time.monotonic()         # the last byte leaves after this
        emu.send(raw[-1:])
        self.assertEqual(emu.reply()[1], 0)
        after_last_byte = time.monotonic() - sent
        self.assertGreaterEqual(sent - start, (len(raw) - 1) * byte_time)
        # The reply's 7 bytes take 7.3 ms; the command's 104 took 108 ms
        # and must not be counted a second time.
        assert_wire_time(self, [after_last_byte], 7 * byte_time,
                         "reply after a trickled command")
        emu.finish()


class LifecycleTest(TempDirCase):
    def test_sigterm_writes_record(self):
        emu = self.start()
        emu.command(RESET)
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(timeout=TIMEOUT), 0)
        final = emu.record()
        self.assertEqual(final["exit_reason"], "terminated")
        self.assertEqual(final["commands"], ["0x0c03"])
        self.assertFalse(os.path.exists(emu.sock_path))

    def test_missing_directory_fails_clearly(self):
        path = os.path.join(self.tmp, "absent", "bcm.sock")
        out = subprocess.run([PYTHON, EMU, "--listen", path],
                             capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotEqual(out.returncode, 0)
        self.assertEqual(len(out.stderr.splitlines()), 1, out.stderr)
        self.assertIn("does not exist", out.stderr)

    def test_stale_socket_replaced(self):
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(os.path.join(self.tmp, "bcm.sock"))
        stale.close()
        emu = self.start()
        self.assertEqual(emu.command(RESET), (0, b""))


class MkhcdTest(TempDirCase):
    def test_well_formed_file(self):
        path = os.path.join(self.tmp, "fw.hcd")
        blob, summary = run_mkhcd(path, "--size", "1000", "--seed", "5",
                                  "--base", "0x1000")
        records = parse_hcd(blob)
        self.assertTrue(all(r["complete"] for r in records))
        writes, launch = records[:-1], records[-1]
        self.assertEqual({r["opcode"] for r in writes}, {WRITE_RAM})
        self.assertEqual([len(r["params"]) - 4 for r in writes],
                         [251, 251, 251, 247])
        addresses = [struct.unpack_from("<I", r["params"])[0] for r in writes]
        self.assertEqual(addresses, [0x1000 + 251 * i for i in range(4)])
        self.assertEqual((launch["opcode"], launch["params"]),
                         (LAUNCH_RAM, b"\xff\xff\xff\xff"))
        data = b"".join(r["params"][4:] for r in writes)
        self.assertEqual(summary["write_ram_sha256"],
                         hashlib.sha256(data).hexdigest())
        self.assertEqual((summary["write_ram_records"], summary["file_size"]),
                         (4, len(blob)))

    def test_seed_is_deterministic(self):
        one, _ = run_mkhcd(os.path.join(self.tmp, "a"), "--seed", "9")
        two, _ = run_mkhcd(os.path.join(self.tmp, "b"), "--seed", "9")
        other, _ = run_mkhcd(os.path.join(self.tmp, "c"), "--seed", "10")
        self.assertEqual(one, two)
        self.assertNotEqual(one, other)

    def test_truncated_final_record(self):
        good, _ = run_mkhcd(os.path.join(self.tmp, "good"), "--size", "600")
        blob, summary = run_mkhcd(os.path.join(self.tmp, "bad"), "--size",
                                  "600", "--truncate-final", "2")
        fault = summary["fault"]
        self.assertEqual(blob, good[:-2])
        records = parse_hcd(blob)
        self.assertTrue(all(r["complete"] for r in records[:-1]))
        last = records[-1]
        self.assertEqual(last["offset"], fault["record_offset"])
        self.assertEqual((last["opcode"], last["length"]), (LAUNCH_RAM, 4))
        self.assertFalse(last["complete"])
        self.assertEqual(len(last["params"]), 2)
        self.assertEqual(len(blob) - last["offset"], fault["present_bytes"])

    def test_length_overrun(self):
        blob, summary = run_mkhcd(os.path.join(self.tmp, "bad"), "--size",
                                  "600", "--overrun-length", "200")
        fault = summary["fault"]
        records = parse_hcd(blob)
        self.assertTrue(all(r["complete"] for r in records[:-1]))
        last = records[-1]
        self.assertEqual(last["offset"], fault["record_offset"])
        self.assertEqual((last["opcode"], last["length"]), (LAUNCH_RAM, 200))
        self.assertEqual(last["params"], b"\xff" * 4)
        self.assertEqual(last["offset"] + 3 + 4, len(blob))
        self.assertEqual(fault["overrun_bytes"], 196)

    def test_faults_are_exclusive(self):
        argv = [PYTHON, MKHCD, "-o", os.path.join(self.tmp, "x"),
                "--truncate-final", "1", "--overrun-length", "9"]
        out = subprocess.run(argv, capture_output=True, timeout=TIMEOUT)
        self.assertNotEqual(out.returncode, 0)


if __name__ == "__main__":
    unittest.main()
