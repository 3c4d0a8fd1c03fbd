# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/rtl-emu.py and scripts/peers/mkrtl.py.

The tests talk H5 to the emulator as a host would (Host below: seq/ack,
pure acks, retransmission after 250 ms, like hci_h5.c) and set the chip up
as Linux 6.12's h5_btrtl_setup() and btrtl do (btrtl_setup() below,
with its own reading of mkrtl's files).

Run from the repository root:
  /usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'
"""

import collections
import hashlib
import json
import os
import shutil
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
PEERS = os.path.join(TOP, "scripts", "peers")
EMU = os.path.join(PEERS, "rtl-emu.py")
MKRTL = os.path.join(PEERS, "mkrtl.py")
PYTHON = sys.executable or "/usr/bin/python3"
TIMEOUT = 10
sys.path.insert(0, PEERS)
import h5lib as h5  # noqa: E402

RESET, READ_VERSION, READ_BDADDR = 0x0C03, 0x1001, 0x1009
SPEED, DOWNLOAD, READ_REG16, DROP_FW, ROM_VERSION = (0xFC17, 0xFC20, 0xFC61,
                                                     0xFC66, 0xFC6D)
FAULT = 0xFCF1
CHIP_SUBVER = bytes((0x10, 0x38, 0x04, 0x28, 0x80))
CHIP_REV = bytes((0x10, 0x3A, 0x04, 0x28, 0x80))
SEC_PROJ = bytes((0x10, 0xA4, 0xAD, 0x00, 0xB0))

# btrtl's ic_id_table entries for the two chips on a UART, and the ROM
# versions the emulator plays.
IC = {
    "rtl8723bs": {"subver": 0x8723, "rev": 0x000B, "ver": 0x06, "rom": 1,
                  "fw": "rtl_bt/rtl8723bs_fw.bin",
                  "cfg": "rtl_bt/rtl8723bs_config.bin"},
    "rtl8723ds": {"subver": 0x8723, "rev": 0x000D, "ver": 0x08, "rom": 2,
                  "fw": "rtl_bt/rtl8723ds_fw.bin",
                  "cfg": "rtl_bt/rtl8723ds_config.bin"},
}
# btrtl_convert_baudrate()
SPEED_WORDS = {0x0252C014: 115200, 0x0252A00A: 230400, 0x05F75004: 921600,
               0x00005004: 1000000, 0x04928002: 1500000,
               0x01128002: 1500000, 0x00005002: 2000000,
               0x0000B001: 2500000, 0x04928001: 3000000,
               0x052A6001: 3500000, 0x00005001: 4000000}


def cmd_payload(opcode, params=b""):
    return struct.pack("<HB", opcode, len(params)) + params


# --- btrtl's reading of the files (an independent Python port) ----------

class BtrtlRefused(Exception):
    pass


def btrtl_uart_settings(cfg):
    """btrtl_get_uart_settings(): (word, baud, flow)."""
    data_len = len(cfg) - 6
    if data_len <= 0:
        raise BtrtlRefused("no config loaded")
    if int.from_bytes(cfg[:4], "little") != 0x8723AB55:
        raise BtrtlRefused("invalid config magic")
    if data_len < int.from_bytes(cfg[4:6], "little"):
        raise BtrtlRefused("config is too short")
    i, found = 0, None
    while i < data_len:
        off = int.from_bytes(cfg[6 + i:8 + i], "little")
        n = cfg[8 + i]
        data = cfg[9 + i:9 + i + n]
        if off == 0x000C:
            word = int.from_bytes(data[:4], "little")
            found = (word, SPEED_WORDS.get(word, 115200),
                     n >= 13 and bool(data[12] & 4))
        i += 3 + n
    if found is None:
        raise BtrtlRefused("no UART config entry found")
    return found


def btrtl_patch(fw, rom_version):
    """rtlbt_parse_firmware() (epatch v1, lmp_subver 0x8723)."""
    if len(fw) <= 8 or fw[:8] != b"Realtech":
        raise BtrtlRefused("bad EPATCH signature")
    if fw[-4:] != b"\x51\x04\xfd\x77":
        raise BtrtlRefused("extension section signature mismatch")
    p = len(fw) - 4
    project = None
    while p >= 17:
        opcode, length, data = fw[p - 1], fw[p - 2], fw[p - 3]
        p -= 3
        if opcode == 0xFF:
            break
        if length == 0:
            raise BtrtlRefused("found instruction with length 0")
        if opcode == 0 and length == 1:
            project = data
            break
        p -= length
    if project not in (1, 9):      # 8723B, 8723D: lmp_subver 0x8723
        raise BtrtlRefused("failed to find version instruction")
    version, num = struct.unpack_from("<IH", fw, 8)
    for i in range(num):
        if struct.unpack_from("<H", fw, 14 + 2 * i)[0] == rom_version + 1:
            length = struct.unpack_from("<H", fw, 14 + 2 * num + 2 * i)[0]
            offset = struct.unpack_from("<I", fw, 14 + 4 * num + 4 * i)[0]
            break
    else:
        raise BtrtlRefused("didn't find patch")
    if length < 4 or offset > len(fw) or length > len(fw) - offset:
        raise BtrtlRefused("patch past the end")
    return fw[offset:offset + length - 4] + struct.pack("<I", version)


def fragments(image):
    """rtl_download_firmware()'s 0xfc20 parameter blocks."""
    out, j = [], 0
    count = len(image) // 252 + 1
    for i in range(count):
        index = j
        j += 1
        if index == 0x7F:
            j = 1
        data = image[252 * i:252 * (i + 1)]
        if i == count - 1:
            index |= 0x80
            data = image[252 * i:252 * i + len(image) % 252]
        out.append(bytes((index,)) + data)
    return out


def cpu_seconds(pid):
    """User and system CPU time a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_mkrtl(out, *extra):
    res = subprocess.run([PYTHON, MKRTL, "--out", out, *extra], check=True,
                         capture_output=True, text=True, timeout=TIMEOUT)
    return json.loads(res.stdout)


# --- a host -----------------------------------------------------------------

class Host:
    """The host end of an H5 link, like hci_h5.c: reliable commands and
    ACL with seq/ack, a pure ack for every reliable packet received (if
    auto_ack), retransmission of everything unacked after 250 ms (if
    auto_retransmit). Everything received also goes through h5lib's model
    of the kernel's receiver (kernel_events)."""

    def __init__(self, sock):
        self.sock = sock
        self.decoder = h5.Decoder()
        self.kernel = h5.KernelRx(active=False)
        self.kernel_events = []
        self.raw = bytearray()
        self.tx_seq = 0
        self.tx_ack = 0
        self.crc = False
        self.window = 4
        self.unacked = []
        self.last_sent = 0.0
        self.packets = []              # everything decoded, in order
        self.link = collections.deque()
        self.hci = collections.deque()
        self.auto_ack = True
        self.auto_retransmit = True
        self.stats = collections.Counter()

    # sending

    def send_raw(self, data):
        self.sock.sendall(data)

    def packet(self, ptype, payload=b"", **kw):
        kw.setdefault("ack", self.tx_ack)
        kw.setdefault("crc", self.crc)
        return h5.Packet(ptype, payload, **kw)

    def send_link(self, msg):
        self.send_raw(self.packet(h5.PKT_LINK, msg).encode())

    def send_ack(self):
        self.send_raw(self.packet(h5.PKT_ACK).encode())
        self.stats["acks_sent"] += 1

    def send_reliable(self, ptype, payload, send=True, ack=None):
        seq, self.tx_seq = self.tx_seq, (self.tx_seq + 1) % 8
        self.unacked.append((seq, ptype, payload))
        frame = self.packet(ptype, payload, seq=seq, reliable=True,
                            ack=self.tx_ack if ack is None else ack).encode()
        if send:
            self.send_raw(frame)
        self.last_sent = time.monotonic()
        return frame

    def retransmit(self):
        for seq, ptype, payload in self.unacked:
            self.send_raw(self.packet(ptype, payload, seq=seq,
                                      reliable=True).encode())
            self.stats["retransmits"] += 1
        self.last_sent = time.monotonic()

    # receiving

    def pump(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        if not data:
            raise EOFError("emulator closed the connection")
        self.raw += data
        self.kernel_events += self.kernel.feed(data)
        for p in self.decoder.feed(data):
            self.take(p)

    def take(self, p):
        self.packets.append(p)
        if p.reliable:
            if p.seq != self.tx_ack:
                self.stats["out_of_order"] += 1
                if self.auto_ack:
                    self.send_ack()
                return
            self.tx_ack = (self.tx_ack + 1) % 8
            if self.auto_ack:
                self.send_ack()
        if self.unacked:
            done = (p.ack - self.unacked[0][0]) % 8
            if done <= len(self.unacked):
                del self.unacked[:done]
        if p.ptype == h5.PKT_LINK:
            self.link.append(p.payload)
        elif p.ptype != h5.PKT_ACK:
            self.hci.append((p.ptype, p.payload))

    def wait(self, predicate, timeout=TIMEOUT, what="condition"):
        deadline = time.monotonic() + timeout
        while not predicate():
            now = time.monotonic()
            if now > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            if (self.auto_retransmit and self.unacked
                    and now - self.last_sent >= 0.25):
                self.retransmit()
            self.pump(min(0.05, deadline - now))

    def idle(self, seconds):
        """Take whatever arrives for seconds."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.pump(left)

    def link_msg(self, msg, timeout=TIMEOUT):
        """Wait for link message msg (first two bytes); return it whole."""
        def found():
            return any(m[:2] == msg for m in self.link)
        self.wait(found, timeout, f"link message {msg.hex()}")
        while True:
            m = self.link.popleft()
            if m[:2] == msg:
                return m

    # link and commands

    def link_up(self, window=4, crc=False):
        """SYNC until SYNC_RSP, then CONFIG until CONFIG_RSP, as hci_h5
        does; return the agreed config byte."""
        self.send_link(h5.SYNC)
        self.link_msg(h5.SYNC_RSP)
        cfg = h5.CONFIG + bytes((h5.config_byte(window, crc=crc),))
        self.send_link(cfg)
        rsp = self.link_msg(h5.CONFIG_RSP)
        agreed = rsp[2]
        self.window = agreed & 7
        self.crc = bool(agreed & h5.CFG_CRC)
        self.kernel.active = True
        self.packets.clear()
        self.kernel_events.clear()
        return agreed

    def event(self, timeout=TIMEOUT):
        self.wait(lambda: self.hci, timeout, "an HCI packet")
        return self.hci.popleft()

    def reply(self, opcode, timeout=TIMEOUT):
        """Wait for the Command Complete of opcode: (status, rest)."""
        ptype, evt = self.event(timeout)
        if ptype != h5.PKT_EVT or evt[0] != 0x0E or evt[2] != 1:
            raise AssertionError(
                f"not a Command Complete: {ptype} {evt.hex()}")
        got = struct.unpack_from("<H", evt, 3)[0]
        if got != opcode:
            raise AssertionError(f"reply to 0x{got:04x}, sent 0x{opcode:04x}")
        return evt[5], evt[6:]

    def command(self, opcode, params=b"", timeout=TIMEOUT):
        self.send_reliable(h5.PKT_CMD, cmd_payload(opcode, params))
        return self.reply(opcode, timeout)

    def settle(self):
        """Wait until everything sent is acked."""
        self.wait(lambda: not self.unacked, what="acks")


def btrtl_setup(host, tc, chip, files):
    """What h5_btrtl_setup() and btrtl send (Linux 6.12), checked against
    the emulator's answers; return the image downloaded."""
    ic = IC[chip]
    status, subver = host.command(READ_REG16, CHIP_SUBVER)
    tc.assertEqual((status, subver), (0, struct.pack("<H", ic["subver"])))
    status, ver = host.command(READ_VERSION)
    tc.assertEqual(status, 0)
    hci_ver, rev, lmp_ver, maker, subver = struct.unpack("<BHBHH", ver)
    tc.assertEqual((hci_ver, rev, subver), (ic["ver"], ic["rev"],
                                            ic["subver"]))
    status, rom = host.command(ROM_VERSION)
    tc.assertEqual((status, rom), (0, bytes((ic["rom"],))))
    status, key = host.command(READ_REG16, SEC_PROJ)
    tc.assertEqual((status, key[0]), (0, 0))      # key id 0: config used
    with open(os.path.join(files, ic["fw"]), "rb") as f:
        fw = f.read()
    with open(os.path.join(files, ic["cfg"]), "rb") as f:
        cfg = f.read()
    word, _, _ = btrtl_uart_settings(cfg)
    tc.assertEqual(host.command(SPEED, struct.pack("<I", word)), (0, b""))
    image = btrtl_patch(fw, ic["rom"]) + cfg
    for params in fragments(image):
        status, rest = host.command(DOWNLOAD, params)
        tc.assertEqual((status, rest), (0, params[:1]))
    status, ver = host.command(READ_VERSION)
    tc.assertEqual(status, 0)
    return image, struct.unpack("<BHBHH", ver)


# --- harness ----------------------------------------------------------------

class Emu(EmuProcess):
    """One emulator process and a host connected to it."""

    script = EMU
    sock_name = "rtl.sock"
    host = None

    def connect(self):
        super().connect()
        self.host = Host(self.sock)

    def record_when(self, predicate, timeout=2):
        """The record once predicate(record) holds (it is written just
        after what it notes went out)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                rec = self.record()
            except (FileNotFoundError, json.JSONDecodeError):
                rec = None
            if rec is not None and predicate(rec):
                return rec
            if time.monotonic() > deadline:
                raise AssertionError(f"record never matched: {rec}")
            time.sleep(0.01)


class EmuCase(EmuTestCase):
    emu_class = Emu
    tmp_prefix = "rtl-emu-test-"

    def active(self, *extra, window=4, crc=False):
        """An emulator with the link up: (emu, host)."""
        emu = self.start(*extra)
        emu.host.link_up(window, crc)
        return emu, emu.host

    def files(self, *extra, chip="rtl8723bs"):
        out = os.path.join(self.tmp, "fw")
        summary = run_mkrtl(out, "--chip", chip, *extra)
        return out, summary


# --- link -------------------------------------------------------------------

class LinkTest(EmuCase):
    def test_link_establishment(self):
        emu = self.start()
        host = emu.host
        # hci_h5 sends SYNC every 100 ms until it hears SYNC_RSP: each one
        # is answered.
        host.send_link(h5.SYNC)
        host.send_link(h5.SYNC)
        host.link_msg(h5.SYNC_RSP)
        host.link_msg(h5.SYNC_RSP)
        host.send_link(h5.CONFIG + b"\x04")
        self.assertEqual(host.link_msg(h5.CONFIG_RSP), h5.CONFIG_RSP + b"\x04")
        # A CONFIG again (hci_h5 repeats it until CONFIG_RSP) is answered.
        host.send_link(h5.CONFIG + b"\x04")
        self.assertEqual(host.link_msg(h5.CONFIG_RSP), h5.CONFIG_RSP + b"\x04")
        rec = emu.record()
        self.assertEqual((rec["link_state"], rec["config_byte"], rec["window"],
                          rec["crc"]), ("active", 4, 4, False))
        host.kernel.active = True
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["link_rx"]["sync"], 2)
        self.assertEqual(final["link_rx"]["config"], 2)
        self.assertEqual(final["link_tx"]["sync_rsp"], 2)
        self.assertEqual(final["link_tx"]["config_rsp"], 2)
        self.assertEqual(final["link_establishments"], 1)
        self.assertEqual(final["host_config_byte"], 4)
        self.assertEqual(final["commands"], ["0x0c03"])

    def test_window_is_the_smaller(self):
        for own, asked, agreed in ((4, 4, 4), (2, 7, 2), (7, 3, 3),
                                   (4, 0, 1)):
            with self.subTest(own=own, asked=asked):
                emu = self.start("--window", str(own))
                self.assertEqual(emu.host.link_up(asked), agreed)
                self.assertEqual(emu.finish()["window"], agreed)
                self.emus.remove(emu)

    def test_config_before_sync_ignored(self):
        emu = self.start()
        host = emu.host
        host.send_link(h5.CONFIG + b"\x04")
        host.idle(0.2)
        self.assertEqual(list(host.link), [])
        self.assertEqual(host.link_up(), 4)
        self.assertEqual(emu.finish()["config_ignored"], 1)

    def test_non_link_packets_dropped_before_active(self):
        emu = self.start()
        host = emu.host
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        host.send_raw(host.packet(h5.PKT_ACK).encode())
        host.idle(0.2)
        self.assertEqual(host.packets, [])
        host.tx_seq, host.unacked = 0, []
        host.link_up()
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        final = emu.finish()
        self.assertEqual(final["errors"]["non_link_before_active"], 2)
        self.assertEqual(final["commands"], ["0x1001"])

    def test_crc_negotiated(self):
        emu, host = self.active(crc=True)
        rec = emu.record()
        self.assertEqual((rec["config_byte"], rec["crc"]), (0x14, True))
        self.assertTrue(host.crc)
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        replies = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        self.assertTrue(replies and all(p.crc for p in replies))
        self.assertTrue(all(p.crc for p in host.packets
                            if p.ptype == h5.PKT_ACK))
        self.assertEqual(host.decoder.counts["bad_crc"], 0)
        # A command with a bad CRC is dropped; sent again right, answered.
        raw = bytearray(host.packet(h5.PKT_CMD, cmd_payload(RESET),
                                    seq=host.tx_seq, reliable=True).to_bytes())
        raw[-1] ^= 0x40
        host.send_raw(h5.slip_frame(raw))
        host.idle(0.15)
        self.assertEqual(list(host.hci), [])
        emu.record_when(lambda r: r["errors"]["bad_crc"] == 1)
        self.assertEqual(host.command(RESET), (0, b""))
        # Frames without CRC are still taken.
        host.crc = False
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["errors"]["bad_crc"], 1)
        self.assertEqual(final["commands"], ["0x1001", "0x0c03", "0x0c03"])

    def test_crc_refused_with_no_crc(self):
        emu, host = self.active("--no-crc", crc=True)
        self.assertFalse(host.crc)
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        self.assertFalse(any(p.crc for p in host.packets))
        final = emu.finish()
        self.assertEqual((final["config_byte"], final["crc"],
                          final["crc_allowed"], final["host_config_byte"]),
                         (0x04, False, False, 0x14))

    def test_bad_header_checksum_from_host(self):
        emu, host = self.active()
        raw = bytearray(host.packet(h5.PKT_CMD, cmd_payload(RESET), seq=0,
                                    reliable=True).to_bytes())
        raw[3] ^= 0x21
        host.send_raw(h5.slip_frame(raw))
        host.idle(0.15)
        self.assertEqual(host.packets, [])      # not even acked
        self.assertEqual(host.command(RESET), (0, b""))
        self.assertEqual(emu.finish()["errors"]["bad_checksum"], 1)

    def test_out_of_order_from_host(self):
        emu, host = self.active()
        host.send_raw(host.packet(h5.PKT_CMD, cmd_payload(RESET), seq=2,
                                  reliable=True).encode())
        host.wait(lambda: host.packets, what="re-ack")
        ack = host.packets[0]
        self.assertEqual((ack.ptype, ack.ack, ack.reliable),
                         (h5.PKT_ACK, 0, False))
        self.assertEqual(list(host.hci), [])
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["errors"]["out_of_order"], 1)
        self.assertEqual(final["commands"], ["0x0c03"])

    def test_duplicate_from_host(self):
        emu, host = self.active()
        frame = host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        self.assertEqual(host.reply(RESET), (0, b""))
        host.send_raw(frame)                    # the same again
        host.wait(lambda: len(host.packets) == 2, what="re-ack")
        self.assertEqual((host.packets[1].ptype, host.packets[1].ack),
                         (h5.PKT_ACK, 1))
        host.idle(0.1)
        self.assertEqual(list(host.hci), [])
        final = emu.finish()
        self.assertEqual(final["errors"]["duplicates"], 1)
        self.assertEqual(final["host_retransmissions"], 1)
        self.assertEqual(final["commands"], ["0x0c03"])

    def test_retransmission_after_withheld_ack(self):
        emu, host = self.active()
        host.auto_ack = False
        t0 = time.monotonic()
        self.assertEqual(host.command(RESET), (0, b""))
        host.wait(lambda: host.stats["out_of_order"] >= 2, 2,
                  "two retransmissions")
        elapsed = time.monotonic() - t0
        again = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        self.assertEqual(len(again), 3)
        self.assertEqual({(p.seq, p.payload) for p in again},
                         {(again[0].seq, again[0].payload)})
        self.assertGreaterEqual(elapsed, 0.5)
        emu.record_when(lambda r: r["retransmissions"] >= 2)
        host.send_ack()
        host.idle(0.1)
        count = emu.record()["retransmissions"]
        host.idle(0.4)
        self.assertEqual(emu.record()["retransmissions"], count)

    def test_sliding_window(self):
        """With window 2 and no acks from the host, two events go out;
        the rest wait for an ack."""
        emu, host = self.active("--window", "2")
        self.assertEqual(host.window, 2)
        host.auto_ack = False
        host.auto_retransmit = False
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        host.send_reliable(h5.PKT_CMD, cmd_payload(READ_VERSION))
        host.wait(lambda: len(host.hci) == 2, what="two events")
        # Both commands acked on the events; two more may go, with the
        # host's ack field still 0: the events stay unacked.
        host.send_reliable(h5.PKT_CMD, cmd_payload(READ_BDADDR), ack=0)
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET), ack=0)
        host.idle(0.15)
        self.assertEqual(len(host.hci), 2)
        events = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        self.assertEqual([p.seq for p in events], [0, 1])
        host.send_ack()
        host.wait(lambda: len(host.hci) == 4, what="the other events")
        events = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        self.assertEqual([p.seq for p in events], [0, 1, 2, 3])
        final = emu.finish()
        self.assertEqual(final["retransmissions"], 0)
        self.assertEqual(final["errors"]["window_overruns"], 0)

    def test_host_window_overrun_counted(self):
        emu, host = self.active("--window", "2")
        host.auto_retransmit = False
        frames = b"".join(host.send_reliable(h5.PKT_CMD, cmd_payload(RESET),
                                             send=False) for _ in range(3))
        host.send_raw(frames)
        host.wait(lambda: len(host.hci) == 3, what="three events")
        final = emu.finish()
        self.assertEqual(final["errors"]["window_overruns"], 1)

    def test_invalid_ack_counted(self):
        emu, host = self.active()
        host.send_raw(host.packet(h5.PKT_ACK, ack=5).encode())
        self.assertEqual(host.command(RESET), (0, b""))
        self.assertEqual(emu.finish()["errors"]["invalid_acks"], 1)

    def test_sleep_and_wakeup(self):
        emu, host = self.active()
        host.send_link(h5.WAKEUP)
        self.assertEqual(host.link_msg(h5.WOKEN), h5.WOKEN)
        host.send_link(h5.SLEEP)
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        # The host sleeps: the controller asks it to wake up first.
        self.assertEqual(host.link_msg(h5.WAKEUP), h5.WAKEUP)
        self.assertEqual(list(host.hci), [])
        host.link_msg(h5.WAKEUP, timeout=1)          # again after 100 ms
        # ... every 100 ms, without spinning in between.
        cpu = cpu_seconds(emu.proc.pid)
        host.idle(0.5)
        wakeups = sum(m == h5.WAKEUP for m in host.link)
        self.assertTrue(3 <= wakeups <= 6, wakeups)
        self.assertLess(cpu_seconds(emu.proc.pid) - cpu, 0.2)
        host.link.clear()
        host.send_link(h5.WOKEN)
        self.assertEqual(host.reply(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["link_rx"]["sleep"], 1)
        self.assertEqual(final["link_rx"]["woken"], 1)
        self.assertEqual(final["link_rx"]["wakeup"], 1)
        self.assertEqual(final["link_tx"]["woken"], 1)
        self.assertGreaterEqual(final["link_tx"]["wakeup"], 2)

    def test_host_sync_after_active_resets_to_rom(self):
        files, summary = self.files("--patch-size", "600")
        emu, host = self.active()
        btrtl_setup(host, self, "rtl8723bs", files)
        host.settle()
        self.assertTrue(emu.record()["patched"])
        # The host power-cycles the module and starts over (hci_h5's
        # h5_btrtl_open() then h5_open()).
        host.send_link(h5.SYNC)
        host.link_msg(h5.SYNC_RSP)
        rec = emu.record()
        self.assertEqual(rec["link_state"], "initialized")
        self.assertEqual([r["reason"] for r in rec["link_resets"]],
                         ["host-sync"])
        self.assertFalse(rec["patched"])
        self.assertEqual(rec["baud"], 115200)
        host.tx_seq = host.tx_ack = 0
        host.unacked = []
        host.send_link(h5.CONFIG + b"\x04")
        host.link_msg(h5.CONFIG_RSP)
        _, ver = host.command(READ_VERSION)     # seq 0 again: accepted
        self.assertEqual(struct.unpack("<BHBHH", ver),
                         (6, 0x000B, 6, 0x005D, 0x8723))
        final = emu.finish()
        self.assertEqual(final["link_establishments"], 2)
        self.assertEqual(final["rom_resets"], 1)
        self.assertEqual([c["to"] for c in final["baud_changes"]],
                         [1500000, 115200])


# --- chip -------------------------------------------------------------------

class ChipTest(EmuCase):
    def test_identity(self):
        for chip, ic in IC.items():
            with self.subTest(chip=chip):
                emu, host = self.active("--chip", chip, "--bdaddr",
                                        "00:AA:01:02:03:04")
                status, ver = host.command(READ_VERSION)
                self.assertEqual(status, 0)
                self.assertEqual(struct.unpack("<BHBHH", ver),
                                 (ic["ver"], ic["rev"], ic["ver"], 0x005D,
                                  ic["subver"]))
                self.assertEqual(host.command(READ_REG16, CHIP_SUBVER),
                                 (0, struct.pack("<H", ic["subver"])))
                self.assertEqual(host.command(READ_REG16, CHIP_REV),
                                 (0, struct.pack("<H", ic["rev"])))
                self.assertEqual(host.command(READ_REG16, SEC_PROJ),
                                 (0, b"\0\0"))
                self.assertEqual(host.command(ROM_VERSION),
                                 (0, bytes((ic["rom"],))))
                self.assertEqual(host.command(READ_BDADDR),
                                 (0, bytes.fromhex("040302 01aa00")))
                self.assertEqual(host.command(RESET), (0, b""))
                self.assertEqual(host.command(READ_REG16, b"\1\2"),
                                 (0x12, b""))
                final = emu.finish()
                self.assertEqual((final["chip"], final["rom_version"]),
                                 (chip, ic["rom"]))
                self.assertEqual(final["refused"],
                                 [{"opcode": "0xfc61", "status": 0x12}])
                self.emus.remove(emu)

    def test_unknown_commands(self):
        emu, host = self.active()
        self.assertEqual(host.command(0xFC99, b"\1"), (0x01, b""))
        self.assertEqual(host.command(0x1003), (0x01, b""))
        final = emu.finish()
        self.assertEqual(final["refused"],
                         [{"opcode": "0xfc99", "status": 1},
                          {"opcode": "0x1003", "status": 1}])

    def test_speed_commands(self):
        emu, host = self.active()
        for word, status in ((0x04928002, 0), (0x01128002, 0),
                             (0x12345678, 0x12), (0x0252C014, 0),
                             (0x00005001, 0)):
            self.assertEqual(host.command(SPEED, struct.pack("<I", word)),
                             (status, b""))
        self.assertEqual(host.command(SPEED, b"\x01\x02\x03"), (0x12, b""))
        host.settle()
        rec = emu.record_when(lambda r: r["baud"] == 4000000)
        self.assertEqual([b["baud"] for b in rec["baud_commands"]],
                         [1500000, 1500000, None, 115200, 4000000, None])
        self.assertEqual([c["to"] for c in rec["baud_changes"]],
                         [1500000, 1500000, 115200, 4000000])
        self.assertEqual(rec["baud"], 4000000)
        final = emu.finish()
        self.assertEqual(final["refused_count"], 2)

    def check_download(self, chip, *mk):
        files, summary = self.files(*mk, chip=chip)
        emu, host = self.active("--chip", chip)
        image, version = btrtl_setup(host, self, chip, files)
        sha = hashlib.sha256(image).hexdigest()
        self.assertEqual(summary["image_sha256"], sha)
        self.assertEqual(summary["image_length"], len(image))
        fw_version = summary["fw_version"]
        # Patched: the firmware's version as hci_rev and lmp_subver.
        self.assertEqual(version[1:], (fw_version >> 16, IC[chip]["ver"],
                                       0x005D, fw_version & 0xFFFF))
        host.settle()
        # The kernel's receiver takes every frame of the session as is.
        self.assertEqual([e for e in host.kernel_events if e[0] != "packet"],
                         [])
        self.assertEqual(len(host.kernel_events), len(host.packets))
        final = emu.finish()
        (dl,) = final["downloads"]
        frags = fragments(image)
        self.assertEqual((dl["sha256"], dl["payload_bytes"], dl["fragments"],
                          dl["complete"], dl["aborted"]),
                         (sha, len(image), len(frags), True, None))
        self.assertEqual(dl["fragments"], summary["fragments"])
        self.assertEqual(dl["fw_version"], fw_version)
        self.assertEqual(dl["last_index"], frags[-1][0])
        self.assertEqual(dl["refused_fragments"], 0)
        self.assertEqual((dl["errors"], dl["retransmissions"]), ({}, 0))
        self.assertGreater(dl["wire_bytes_host_to_emu"], len(image))
        # each reply: c0, header, 0e 05 01 20 fc status index, c0
        self.assertGreaterEqual(dl["wire_bytes_emu_to_host"],
                                13 * len(frags))
        self.assertLess(dl["payload_per_wire_byte"], 1)
        self.assertGreater(dl["payload_per_wire_byte"], 0.8)
        self.assertEqual((dl["baud_at_start"], dl["baud_at_end"]),
                         (summary["speed"], summary["speed"]))
        self.assertTrue(final["patched"])
        self.assertEqual(final["commands"][:5],
                         ["0xfc61", "0x1001", "0xfc6d", "0xfc61", "0xfc17"])
        self.assertEqual(final["commands"][5:],
                         ["0xfc20"] * len(frags) + ["0x1001"])
        self.assertEqual(final["reg_reads"], [CHIP_SUBVER.hex(),
                                              SEC_PROJ.hex()])
        self.assertEqual(final["refused_count"], 0)
        self.assertEqual(final["retransmissions"], 0)
        return frags, final

    def test_btrtl_download_rtl8723bs(self):
        frags, final = self.check_download("rtl8723bs", "--speed", "1500000")
        self.assertEqual(final["baud_commands"],
                         [{"word": "0x04928002", "baud": 1500000,
                           "accepted": True}])

    def test_btrtl_download_rtl8723ds_index_wraps(self):
        frags, _ = self.check_download("rtl8723ds", "--patch-size", "40000",
                                       "--speed", "3000000", "--seed", "4")
        indexes = [f[0] for f in frags]
        self.assertGreater(len(frags), 130)
        self.assertEqual(indexes[126:130], [0x7E, 0x7F, 0x01, 0x02])
        self.assertTrue(indexes[-1] & 0x80)

    def test_download_with_empty_last_fragment(self):
        # 20124-byte patch + 36-byte config = 80 * 252: btrtl sends an
        # 81st fragment with no data, index | 0x80.
        frags, final = self.check_download("rtl8723bs", "--patch-size",
                                           "20124")
        self.assertEqual((len(frags), frags[-1]), (81, bytes((0xD0,))))

    def test_download_survives_link_faults(self):
        """A lost ack and a corrupted reply in the middle of a download:
        the retransmissions on both sides repair it, the image is whole
        and the download's record tells what happened."""
        files, summary = self.files("--patch-size", "3000")
        with open(os.path.join(files, summary["fw_file"]), "rb") as f:
            fw = f.read()
        with open(os.path.join(files, summary["cfg_file"]), "rb") as f:
            cfg = f.read()
        frags = fragments(btrtl_patch(fw, 1) + cfg)
        emu, host = self.active()
        for i, params in enumerate(frags):
            if i == 3:
                self.assertEqual(host.command(FAULT, b"\x06\x00"), (0, b""))
            if i == 6:
                self.assertEqual(host.command(FAULT, b"\x02\x00"), (0, b""))
            self.assertEqual(host.command(DOWNLOAD, params),
                             (0, params[:1]))
        host.settle()
        self.assertEqual(host.stats["retransmits"], 1)
        self.assertEqual(host.decoder.counts["bad_checksum"], 1)
        final = emu.finish()
        (dl,) = final["downloads"]
        self.assertEqual(dl["sha256"], summary["image_sha256"])
        self.assertEqual((dl["retransmissions"], dl["host_retransmissions"],
                          dl["errors"], dl["baud_changes"]), (1, 1, {}, 0))
        self.assertEqual((dl["config_byte"], dl["window"], dl["crc"]),
                         (4, 4, False))
        self.assertEqual(final["faults_injected"]["lost_ack"], 1)
        self.assertEqual(final["faults_injected"]["bad_header_checksum"], 1)

    def test_out_of_sequence_fragments_refused(self):
        emu, host = self.active()
        self.assertEqual(host.command(DOWNLOAD, b"\x03" + b"\0" * 252),
                         (0x12, b"\x03"))
        self.assertEqual(host.command(DOWNLOAD, b"\x00" + b"\1" * 252),
                         (0, b"\x00"))
        self.assertEqual(host.command(DOWNLOAD, b"\x02" + b"\2" * 252),
                         (0x12, b"\x02"))
        self.assertEqual(host.command(DOWNLOAD, b"\x01" + b"\3" * 252),
                         (0, b"\x01"))
        self.assertEqual(host.command(DOWNLOAD, b"\x82" + b"\4" * 10),
                         (0, b"\x82"))
        # The firmware runs: no more downloads.
        self.assertEqual(host.command(DOWNLOAD, b"\x00" + b"\5"),
                         (0x0C, b"\x00"))
        final = emu.finish()
        (dl,) = final["downloads"]
        self.assertEqual(dl["refused_fragments"], 1)
        self.assertEqual(dl["sha256"], hashlib.sha256(
            b"\1" * 252 + b"\3" * 252 + b"\4" * 10).hexdigest())
        self.assertEqual([r["status"] for r in final["refused"]],
                         [0x12, 0x12, 0x0C])

    def test_restart_and_drop_firmware(self):
        emu, host = self.active()
        host.command(DOWNLOAD, b"\x00" + b"a" * 252)
        # A new index 0 starts over (the host's setup ran again).
        host.command(DOWNLOAD, b"\x00" + b"b" * 252)
        self.assertEqual(host.command(DOWNLOAD, b"\x81" + b"c" * 8)[0], 0)
        _, ver = host.command(READ_VERSION)
        self.assertNotEqual(struct.unpack("<BHBHH", ver)[4], 0x8723)
        # btrtl's drop_fw path: 0xfc66 takes the patch away.
        self.assertEqual(host.command(DROP_FW), (0, b""))
        _, ver = host.command(READ_VERSION)
        self.assertEqual(struct.unpack("<BHBHH", ver)[4], 0x8723)
        final = emu.finish()
        first, second = final["downloads"]
        self.assertEqual((first["aborted"], first["fragments"]),
                         ("restarted", 1))
        self.assertTrue(second["complete"])
        self.assertFalse(final["patched"])


    def test_btrtl_setup_again_on_patched_chip(self):
        """btrtl_initialize() on a chip that is already patched (a driver
        running setup again without power-cycling the module): the
        version is not in btrtl's table, so it sends 0xfc66 (not waiting
        for an answer), sleeps 200 ms and reads again: the ROM's."""
        files, summary = self.files("--patch-size", "1000")
        emu, host = self.active()
        btrtl_setup(host, self, "rtl8723bs", files)
        self.assertEqual(host.command(READ_REG16, CHIP_SUBVER),
                         (0, b"\x23\x87"))
        _, ver = host.command(READ_VERSION)
        self.assertEqual(struct.unpack("<BHBHH", ver)[4],
                         summary["fw_version"] & 0xFFFF)
        host.send_reliable(h5.PKT_CMD, cmd_payload(DROP_FW))
        # Answered, though btrtl does not wait for it (the core drops a
        # Command Complete for a command it did not queue).
        self.assertEqual(host.reply(DROP_FW), (0, b""))
        time.sleep(0.2)
        image, _ = btrtl_setup(host, self, "rtl8723bs", files)
        host.settle()
        final = emu.finish()
        self.assertEqual([d["sha256"] for d in final["downloads"]],
                         [summary["image_sha256"]] * 2)
        self.assertTrue(final["patched"])


# --- hand-off ---------------------------------------------------------------

class HandoffTest(EmuCase):
    def accept(self, listener):
        up, _ = listener.accept()
        self.addCleanup(up.close)
        up.settimeout(TIMEOUT)
        return up

    def test_handoff_after_download(self):
        up_path, listener = self.upstream()
        files, summary = self.files("--patch-size", "3000")
        emu, host = self.active("--upstream", up_path)
        btrtl_setup(host, self, "rtl8723bs", files)
        self.assertFalse(emu.record()["handed_off"])
        # The core's HCI Reset after setup goes to the running firmware.
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        up = self.accept(listener)
        self.assertEqual(recv_exact(up, 4), b"\x01\x03\x0c\x00")
        up.sendall(b"\x04\x0e\x04\x01\x03\x0c\x00")
        self.assertEqual(host.reply(RESET), (0, b""))
        # ACL both ways, as reliable H5 packets.
        acl_out = b"\x01\x20\x03\x00abc"
        host.send_reliable(h5.PKT_ACL, acl_out)
        self.assertEqual(recv_exact(up, 1 + len(acl_out)), b"\x02" + acl_out)
        acl_in = b"\x01\x20\x02\x00xy"
        up.sendall(b"\x02" + acl_in)
        self.assertEqual(host.event(), (h5.PKT_ACL, acl_in))
        self.assertTrue([p for p in host.packets if p.ptype == h5.PKT_ACL
                         and p.reliable])
        # Vendor commands and the version: the patched firmware's own.
        self.assertEqual(host.command(SPEED, struct.pack("<I", 0x04928001)),
                         (0, b""))
        status, ver = host.command(READ_VERSION)
        self.assertEqual(struct.unpack("<BHBHH", ver)[4],
                         summary["fw_version"] & 0xFFFF)
        # Anything else goes up.
        host.send_reliable(h5.PKT_CMD, cmd_payload(READ_BDADDR))
        self.assertEqual(recv_exact(up, 4), b"\x01\x09\x10\x00")
        marker = b"\x04\x0e\x0a\x01\x09\x10\x00" + b"\x42" * 6
        up.sendall(marker[:5])
        time.sleep(0.02)
        up.sendall(marker[5:])
        self.assertEqual(host.reply(READ_BDADDR), (0, b"\x42" * 6))
        host.settle()
        final = emu.finish()
        self.assertTrue(final["handed_off"])
        self.assertFalse(final["rom_ran"])
        self.assertEqual(final["proxied_to_upstream"],
                         4 + 1 + len(acl_out) + 4)
        self.assertEqual(final["proxied_from_upstream"],
                         7 + 1 + len(acl_in) + len(marker))

    def test_rom_firmware_runs_without_download(self):
        up_path, listener = self.upstream()
        emu, host = self.active("--upstream", up_path)
        self.assertEqual(host.command(RESET), (0, b""))
        self.assertEqual(host.command(ROM_VERSION), (0, b"\x01"))
        self.assertEqual(host.command(0xFC99), (0x01, b""))
        host.send_reliable(h5.PKT_CMD, cmd_payload(0x1003))
        up = self.accept(listener)
        self.assertEqual(recv_exact(up, 4), b"\x01\x03\x10\x00")
        final = emu.finish()
        self.assertTrue(final["handed_off"])
        self.assertTrue(final["rom_ran"])
        self.assertEqual(final["downloads"], [])

    def test_host_sync_drops_upstream(self):
        up_path, listener = self.upstream()
        emu, host = self.active("--upstream", up_path)
        host.send_reliable(h5.PKT_CMD, cmd_payload(0x1003))
        up = self.accept(listener)
        recv_exact(up, 4)
        host.settle()
        host.send_link(h5.SYNC)
        host.link_msg(h5.SYNC_RSP)
        self.assertEqual(up.recv(16), b"")          # closed
        final = emu.finish()
        self.assertEqual((final["handed_off"], final["upstream_disconnects"],
                          final["handoffs"]), (False, 1, 1))

    def test_no_upstream_answers_everything(self):
        files, _ = self.files("--patch-size", "500")
        emu, host = self.active()
        btrtl_setup(host, self, "rtl8723bs", files)
        self.assertEqual(host.command(RESET), (0, b""))
        self.assertEqual(host.command(READ_BDADDR)[0], 0)
        self.assertEqual(host.command(0x1003)[0], 0x01)
        final = emu.finish()
        self.assertFalse(final["handed_off"])


# --- faults -----------------------------------------------------------------

class FaultTest(EmuCase):
    def arm(self, host, code, arg=0):
        self.assertEqual(host.command(FAULT, bytes((code, arg))), (0, b""))

    def test_unknown_fault_code(self):
        emu, host = self.active()
        self.assertEqual(host.command(FAULT, b"\x09\x00"), (0x12, b""))
        self.assertEqual(host.command(FAULT, b""), (0x12, b""))
        final = emu.finish()
        self.assertEqual(sum(final["faults_armed"].values()), 0)

    def test_1_garbage(self):
        emu, host = self.active()
        self.arm(host, 1, 40)
        errors = host.decoder.errors_total()
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        self.assertGreater(host.decoder.errors_total(), errors)
        self.assertEqual(host.command(RESET), (0, b""))
        # The kernel's receiver skips it too: the same packets, and only
        # header checksum or too-short errors.
        kernel = [e[1] for e in host.kernel_events if e[0] == "packet"]
        self.assertEqual(kernel, host.packets)
        self.assertTrue({e[1] for e in host.kernel_events if e[0] == "error"}
                        <= {"bad_checksum", "too_short"})
        final = emu.finish()
        self.assertEqual(final["faults_injected"]["garbage"], 1)
        self.assertEqual(final["garbage_bytes_sent"], 40)
        self.assertEqual(final["retransmissions"], 0)

    def test_1_garbage_default_length(self):
        emu, host = self.active()
        self.arm(host, 1)
        host.command(RESET)
        self.assertEqual(emu.finish()["garbage_bytes_sent"], 16)

    def corrupted_then_resent(self, emu, host, error):
        self.assertEqual(host.decoder.counts[error], 0)
        t0 = time.monotonic()
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        took = time.monotonic() - t0
        self.assertEqual(host.decoder.counts[error], 1)
        self.assertGreaterEqual(took, 0.2)      # the retransmission timer
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["retransmissions"], 1)
        return final

    def test_2_bad_header_checksum(self):
        emu, host = self.active()
        self.arm(host, 2)
        final = self.corrupted_then_resent(emu, host, "bad_checksum")
        self.assertEqual(final["faults_injected"]["bad_header_checksum"], 1)
        self.assertIn("bad_checksum", [e[1] for e in host.kernel_events])

    def test_3_bad_crc(self):
        emu, host = self.active(crc=True)
        self.arm(host, 3)
        final = self.corrupted_then_resent(emu, host, "bad_crc")
        self.assertEqual(final["faults_injected"]["bad_crc"], 1)

    def test_3_bad_crc_refused_without_crc(self):
        emu, host = self.active()
        self.assertEqual(host.command(FAULT, b"\x03\x00"), (0x0C, b""))
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["faults_armed"]["bad_crc"], 0)
        self.assertEqual(final["retransmissions"], 0)

    def test_4_out_of_window_seq(self):
        emu, host = self.active()
        self.arm(host, 4)
        host.settle()
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        self.assertEqual(host.stats["out_of_order"], 1)
        evts = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        copy, real = evts[-2:]
        self.assertEqual(copy.payload, real.payload)
        self.assertEqual(copy.seq, (real.seq + 4) % 8)
        self.assertIn("out_of_order", [e[1] for e in host.kernel_events])
        self.assertEqual(host.command(RESET), (0, b""))
        final = emu.finish()
        self.assertEqual(final["faults_injected"]["out_of_window_seq"], 1)
        self.assertEqual(final["errors"]["invalid_acks"], 0)

    def test_5_duplicate(self):
        emu, host = self.active()
        self.arm(host, 5)
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        host.wait(lambda: host.stats["out_of_order"] == 1, 2, "duplicate")
        evts = [p for p in host.packets if p.ptype == h5.PKT_EVT]
        self.assertEqual(evts[-1], evts[-2])
        self.assertEqual(host.command(RESET), (0, b""))
        self.assertEqual(list(host.hci), [])
        final = emu.finish()
        self.assertEqual(final["faults_injected"]["duplicate"], 1)

    def test_6_lost_ack(self):
        emu, host = self.active()
        self.arm(host, 6)
        t0 = time.monotonic()
        self.assertEqual(host.command(READ_VERSION)[0], 0)
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        self.assertEqual(host.stats["retransmits"], 1)
        final = emu.finish()
        self.assertEqual(final["faults_injected"]["lost_ack"], 1)
        self.assertEqual(final["host_retransmissions"], 1)
        self.assertEqual(final["commands"].count("0x1001"), 1)

    def upstream_answers_like_hci_h5(self, host):
        """What hci_h5.c does when the controller resets the link: SYNC
        (while active: "Peer device has reset") is answered with
        SYNC_RSP, CONFIG with CONFIG_RSP and then its own CONFIG."""
        host.link_msg(h5.SYNC)
        host.tx_seq = host.tx_ack = 0
        host.unacked = []
        host.send_link(h5.SYNC_RSP)
        cfg = host.link_msg(h5.CONFIG)
        host.send_raw(host.packet(h5.PKT_LINK, h5.CONFIG_RSP).encode()
                      + host.packet(h5.PKT_LINK, h5.CONFIG + b"\x04").encode())
        rsp = host.link_msg(h5.CONFIG_RSP)
        return cfg, rsp

    def test_7_peer_reset(self):
        up_path, listener = self.upstream()
        files, _ = self.files("--patch-size", "700")
        emu, host = self.active("--upstream", up_path)
        btrtl_setup(host, self, "rtl8723bs", files)
        host.send_reliable(h5.PKT_CMD, cmd_payload(RESET))
        up, _ = listener.accept()
        self.addCleanup(up.close)
        up.settimeout(TIMEOUT)
        recv_exact(up, 4)
        up.sendall(b"\x04\x0e\x04\x01\x03\x0c\x00")
        host.reply(RESET)
        self.arm(host, 7)
        # SYNC every 100 ms until answered.
        t0 = time.monotonic()
        host.link_msg(h5.SYNC)
        host.link_msg(h5.SYNC)
        self.assertGreaterEqual(time.monotonic() - t0, 0.08)
        self.assertEqual(up.recv(16), b"")              # upstream dropped
        cfg, rsp = self.upstream_answers_like_hci_h5(host)
        self.assertEqual((cfg, rsp), (h5.CONFIG + b"\x04",
                                      h5.CONFIG_RSP + b"\x04"))
        # Back in the ROM, link numbering from 0.
        status, ver = host.command(READ_VERSION)
        self.assertEqual(struct.unpack("<BHBHH", ver)[1], 0x000B)
        host.idle(0.25)
        self.assertEqual([m[:2] for m in host.link], [])   # no more SYNC
        final = emu.finish()
        self.assertEqual(final["faults_injected"]["peer_reset"], 1)
        self.assertEqual([r["reason"] for r in final["link_resets"]],
                         ["peer-reset"])
        self.assertEqual(final["link_establishments"], 2)
        self.assertGreaterEqual(final["link_tx"]["sync"], 2)
        self.assertEqual(final["link_rx"]["config_rsp"], 1)
        self.assertFalse(final["patched"])
        self.assertFalse(final["handed_off"])
        self.assertEqual(final["baud"], 115200)

    def test_8_deaf(self):
        emu, host = self.active()
        self.arm(host, 8, 1)
        t0 = time.monotonic()
        host.send_link(h5.SYNC)
        while True:
            host.idle(0.1)
            if host.link:
                break
            self.assertLess(time.monotonic() - t0, 3, "SYNC never answered")
            host.send_link(h5.SYNC)
        self.assertEqual(host.link.popleft(), h5.SYNC_RSP)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        final = emu.finish()
        self.assertGreaterEqual(final["sync_ignored"], 8)
        # Answered at last while active: the host reset the link.
        self.assertEqual([r["reason"] for r in final["link_resets"]],
                         ["host-sync"])


# --- wire model and lifecycle ------------------------------------------------

class WireModelTest(EmuCase):
    def samples(self, host, n):
        """Time n Read Local Version round trips; return (samples, wire
        bytes of one command plus its reply)."""
        out, size = [], None
        for _ in range(n):
            time.sleep(0.03)            # the last ack has crossed the line
            before = len(host.raw)
            frame = host.send_reliable(h5.PKT_CMD, cmd_payload(READ_VERSION))
            start = time.monotonic()
            host.wait(lambda: host.hci, what="reply")
            out.append(time.monotonic() - start)
            host.hci.clear()
            size = len(frame) + len(host.raw) - before
        return out, size

    def test_wire_time_follows_speed_command(self):
        baud = 9600
        emu, host = self.active("--wire-baud-model", "--init-baud",
                                str(baud))
        samples, size = self.samples(host, 4)
        assert_wire_time(self, samples, size * 11 / baud,
                         f"{size} bytes at {baud}")
        self.assertEqual(host.command(SPEED, struct.pack("<I", 0x0252A00A)),
                         (0, b""))
        samples, size = self.samples(host, 4)
        assert_wire_time(self, samples, size * 11 / 230400,
                         f"{size} bytes at 230400")
        final = emu.finish()
        self.assertEqual(final["baud"], 230400)
        self.assertEqual(final["wire_bytes_tx"], len(host.raw))


class LifecycleTest(EmuCase):
    def test_sigterm_writes_record(self):
        emu, host = self.active()
        host.command(RESET)
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(timeout=TIMEOUT), 0)
        final = emu.record()
        self.assertEqual(final["exit_reason"], "terminated")
        self.assertEqual(final["commands"], ["0x0c03"])
        self.assertFalse(os.path.exists(emu.sock_path))

    def test_client_close(self):
        emu, _ = self.active()
        self.assertEqual(emu.finish()["exit_reason"], "client-closed")

    def test_missing_directory_fails_clearly(self):
        path = os.path.join(self.tmp, "absent", "rtl.sock")
        out = subprocess.run([PYTHON, EMU, "--listen", path],
                             capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotEqual(out.returncode, 0)
        self.assertEqual(len(out.stderr.splitlines()), 1, out.stderr)
        self.assertIn("does not exist", out.stderr)

    def test_bad_window_refused(self):
        out = subprocess.run([PYTHON, EMU, "--listen", "x", "--window", "8"],
                             capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 2)


# --- mkrtl ------------------------------------------------------------------

class MkrtlTest(EmuCase):
    def read(self, out, name):
        with open(os.path.join(out, name), "rb") as f:
            return f.read()

    def test_files_and_names(self):
        for chip, ic in IC.items():
            with self.subTest(chip=chip):
                out, s = self.files("--speed", "921600", "--no-flow",
                                    chip=chip)
                self.assertEqual((s["fw_file"], s["cfg_file"]),
                                 (ic["fw"], ic["cfg"]))
                fw, cfg = self.read(out, ic["fw"]), self.read(out, ic["cfg"])
                self.assertEqual(fw[:8], b"Realtech")
                self.assertEqual(fw[-7:], bytes((s["project_id"], 1, 0,
                                                 0x51, 0x04, 0xFD, 0x77)))
                self.assertEqual(s["project_id"],
                                 {"rtl8723bs": 1, "rtl8723ds": 9}[chip])
                version, num = struct.unpack_from("<IH", fw, 8)
                self.assertEqual((version, num), (s["fw_version"], 3))
                ids = struct.unpack_from("<3H", fw, 14)
                self.assertIn(ic["rom"] + 1, ids)
                self.assertEqual(btrtl_uart_settings(cfg),
                                 (0x05F75004, 921600, False))
                image = btrtl_patch(fw, ic["rom"]) + cfg
                self.assertEqual(s["image_sha256"],
                                 hashlib.sha256(image).hexdigest())
                self.assertEqual(s["image_length"], len(image))
                self.assertEqual(s["patch_length"], 20000)
                self.assertEqual(s["fragments"], len(image) // 252 + 1)
                # The patch in the file ends in other bytes than the
                # fw_version btrtl writes there.
                self.assertNotEqual(image[-len(cfg) - 4:-len(cfg)],
                                    fw[-11:-7])
                shutil.rmtree(out)

    def test_config_entries(self):
        out, s = self.files("--speed", "1500000", "--flow")
        cfg = self.read(out, s["cfg_file"])
        magic, total = struct.unpack_from("<IH", cfg)
        self.assertEqual((magic, total), (0x8723AB55, len(cfg) - 6))
        entries, i = [], 6
        while i < len(cfg):
            off, n = struct.unpack_from("<HB", cfg, i)
            entries.append((off, cfg[i + 3:i + 3 + n]))
            i += 3 + n
        self.assertEqual(i, len(cfg))
        self.assertGreaterEqual(len(entries), 3)
        uart = dict(entries)[0x000C]
        self.assertEqual(len(uart), 16)
        self.assertEqual(struct.unpack_from("<I", uart)[0], 0x04928002)
        self.assertTrue(uart[12] & 4)
        self.assertEqual(btrtl_uart_settings(cfg), (0x04928002, 1500000, True))

    def test_other_rom_versions_get_other_patches(self):
        out, s = self.files("--seed", "9")
        fw = self.read(out, s["fw_file"])
        patches = {btrtl_patch(fw, rom) for rom in (0, 1, 2)}
        self.assertEqual(len(patches), 3)
        with self.assertRaises(BtrtlRefused):
            btrtl_patch(fw, 5)

    def test_deterministic(self):
        _, one = self.files("--seed", "3")
        shutil.rmtree(os.path.join(self.tmp, "fw"))
        _, two = self.files("--seed", "3")
        shutil.rmtree(os.path.join(self.tmp, "fw"))
        _, other = self.files("--seed", "4")
        self.assertEqual(one["image_sha256"], two["image_sha256"])
        self.assertNotEqual(one["image_sha256"], other["image_sha256"])

    def test_json_file(self):
        path = os.path.join(self.tmp, "summary.json")
        _, printed = self.files("--json", path)
        with open(path) as f:
            self.assertEqual(json.load(f), printed)

    def test_damage_refused_before_download(self):
        expect = {
            "truncated-fw": "extension section signature mismatch",
            "bad-signature": "bad EPATCH signature",
            "truncated-cfg": "config is too short",
            "bad-cfg-magic": "invalid config magic",
        }
        for damage, message in expect.items():
            with self.subTest(damage=damage):
                out, s = self.files("--damage", damage)
                self.assertIsNone(s["image_sha256"])
                self.assertIsNotNone(s["refused_by"])
                fw = self.read(out, s["fw_file"])
                cfg = self.read(out, s["cfg_file"])
                # h5_btrtl_setup(): the config first, then the firmware.
                with self.assertRaises(BtrtlRefused) as got:
                    btrtl_uart_settings(cfg)
                    btrtl_patch(fw, 1)
                self.assertEqual(str(got.exception), message)
                shutil.rmtree(out)

    def test_damaged_files_never_reach_download(self):
        """A host doing btrtl's setup with damaged files stops before
        0xfc20 (and, for a bad config, before 0xfc17)."""
        for damage in ("truncated-fw", "bad-cfg-magic"):
            with self.subTest(damage=damage):
                files, _ = self.files("--damage", damage)
                emu, host = self.active()
                with self.assertRaises(BtrtlRefused):
                    btrtl_setup(host, self, "rtl8723bs", files)
                final = emu.finish()
                self.assertNotIn("0xfc20", final["commands"])
                self.assertEqual("0xfc17" in final["commands"],
                                 damage == "truncated-fw")
                self.assertEqual(final["downloads"], [])
                self.emus.remove(emu)
                shutil.rmtree(files)


if __name__ == "__main__":
    unittest.main()
