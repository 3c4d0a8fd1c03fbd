#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Emulate a Realtek Bluetooth UART controller speaking three-wire UART (H5).

  rtl-emu.py --listen PATH [--upstream PATH] [--record FILE]
             [--chip rtl8723bs|rtl8723ds] [--wire-baud-model]
             [--init-baud N] [--bdaddr XX:XX:XX:XX:XX:XX] [--no-crc]
             [--window N]

Listens on the unix stream socket PATH, accepts one client (the serial
port's socket chardev) and speaks H5 to it as Linux 6.12's hci_h5.c
expects of a controller:

Link. SYNC is answered with SYNC_RSP in any state, CONFIG with CONFIG_RSP
carrying the agreed config byte: window min(host's, --window), the data
integrity check (CRC) only if the host asked and --no-crc is not given,
no out-of-frame flow control, version 0. The link is active once a
CONFIG_RSP went out. A SYNC after that means the host reset the link or
power-cycled the module: the link and the chip go back to their start
(ROM, no firmware, --init-baud; the upstream connection is closed). Until
the link is active every packet but link control is dropped (counted).
WAKEUP is answered with WOKEN; after a SLEEP from the host nothing is
sent until the host is awake again (WAKEUP every 100 ms until WOKEN).

Reliable packets. seq/ack mod 8 with the agreed sliding window; acks ride
on every packet, a pure ack (type 0) goes out when nothing else does. A
reliable packet from the host out of order or a duplicate is dropped and
re-acked; frames with a bad header checksum, bad CRC, bad escape, or a
length that does not match are dropped (all counted). Its own reliable
packets (events, ACL) are sent again from the oldest unacked one after
250 ms without an ack (counted). CRC on all its frames once negotiated.

Chip (--chip, default rtl8723bs): in the ROM it answers HCI Reset, Read
Local Version (lmp_subver 0x8723, hci_rev 0x000b / 0x000d, hci_ver 0x06 /
0x08, as btrtl's ic_id_table has RTL8723BS / RTL8723DS on a UART), Read
BD_ADDR and the Realtek vendor commands btrtl sends: 0xfc61 read reg16
(chip subversion, chip revision, security project = key id 0, chip
type), 0xfc6d ROM version (1 / 2), 0xfc17 UART speed (a le32 Realtek
speed word as btrtl_convert_baudrate() knows them, anything else status
0x12; the line changes speed once the reply went out), 0xfc20 download
fragment (index, bit 7 on the last; answered status + index; an index out
of sequence, 0..0x7f then 1.., gets status 0x12; once patched 0x0c) and
0xfc66 (drop the firmware, back to the ROM and off the upstream: btrtl
sends it, without waiting for an answer, to a chip whose version it does
not recognise - such as one already patched). Other vendor commands get
status 0x01. A download in progress ends with an HCI Reset or a new
index 0 (recorded as aborted).

After the last fragment the firmware "runs": Read Local Version reports
the downloaded fw_version (the le32 before the config appended to the
image) as hci_rev (high half) and lmp_subver (low half). The first command
the firmware does not answer itself - normally the core's HCI Reset -
hands the link to --upstream (BlueZ btvirt's H4 socket): H5 packets are
converted to H4 and back, proxied both ways. A chip that gets no
firmware runs its ROM's: the first non-vendor command not answered in the
ROM hands off the same way (the record says "rom_ran"). After hand-off,
vendor commands and Read Local Version are still answered here, as the
patched firmware would. Without --upstream everything is answered here.

Test-only vendor command 0xfcf1 (no Realtek chip has it; btrtl uses 0xfcf0
as the MSFT extension opcode of newer chips, so this one is next to it),
params [code, arg]: answered with Command Complete status 0 (0x12 for an
unknown code), then, once that reply went out, the fault is armed:
  1  garbage: arg bytes (default 16) of non-delimiter bytes and stray
     delimiters, none of which parses as a header, before the next frame
  2  the next reliable frame goes out once with a bad header checksum
     (the retransmission timer then sends it right)
  3  the same with a bad CRC (status 0x0c if the CRC is not in use)
  4  before the next reliable frame, a copy of it with an out-of-window
     seq (seq + window)
  5  the next reliable frame sent twice
  6  lost ack: the host's next reliable frame is discarded unprocessed
     and unacked (its retransmission is counted)
  7  peer link reset: back to ROM state, SYNC every 100 ms until a
     SYNC_RSP, then CONFIG (every 100 ms) until the link is configured
  8  deaf: SYNC ignored for arg seconds (default 5)

--wire-baud-model models the line at 11 bits per character (8E1): every
byte on the wire, either way, takes 11/baud seconds, one after the other;
the baud starts at --init-baud and follows accepted 0xfc17 commands once
their reply went out.

The JSON record (--record) is written at exit (client gone or SIGTERM) and
after each link establishment, link reset, completed download, baud
change, fault, hand-off, and after any event that saw an error or a
retransmission. Among its keys: link_state, config_byte, window, crc,
link_establishments, link_resets (reasons host-sync, peer-reset),
link_rx / link_tx (link messages by name), errors (each kind of damaged
or refused frame), retransmissions, host_retransmissions, commands,
refused, baud_changes, downloads (per download: fragments,
payload_bytes, sha256, complete, aborted, wire bytes both ways,
payload_per_wire_byte, fw_version), patched, handed_off, rom_ran,
faults_armed / faults_injected.
"""

import argparse
import collections
import functools
import hashlib
import os
import random
import selectors
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulib  # noqa: E402
import h5lib as h5  # noqa: E402
from emulib import bdaddr_arg, positive_int  # noqa: E402
from h4lib import H4_ACL, H4_CMD, H4_EVT, H4_SCO, H4Parser  # noqa: E402
from mkrtl import CHIPS, CONFIG_MAGIC, REALTEK, WORD_SPEEDS  # noqa: E402

OP_RESET = 0x0C03
OP_READ_LOCAL_VERSION = 0x1001
OP_READ_BD_ADDR = 0x1009
OP_RTL_SPEED = 0xFC17
OP_RTL_DOWNLOAD = 0xFC20
OP_RTL_READ_REG16 = 0xFC61
OP_RTL_DROP_FW = 0xFC66
OP_RTL_ROM_VERSION = 0xFC6D
OP_TEST_FAULT = 0xFCF1        # the emulator's own: see the usage

EVT_CMD_COMPLETE = 0x0E
ST_OK = 0x00
ST_UNKNOWN_COMMAND = 0x01
ST_DISALLOWED = 0x0C
ST_INVALID_PARAMS = 0x12

# btrtl's vendor register reads (0xfc61 parameters)
REG_CHIP_SUBVER = bytes((0x10, 0x38, 0x04, 0x28, 0x80))
REG_CHIP_REV = bytes((0x10, 0x3A, 0x04, 0x28, 0x80))
REG_SEC_PROJ = bytes((0x10, 0xA4, 0xAD, 0x00, 0xB0))
REG_CHIP_TYPE = bytes((0x00, 0x94, 0xA0, 0x00, 0xB0))
KEY_ID = 0                     # no secure boot: btrtl uses the config file

ACK_TIMEOUT = 0.25             # hci_h5.c H5_ACK_TIMEOUT
SYNC_INTERVAL = 0.1            # hci_h5.c H5_SYNC_TIMEOUT
WAKEUP_INTERVAL = 0.1
DEFAULT_GARBAGE = 16
DEFAULT_DEAF_S = 5
DEFAULT_BDADDR = "02:52:54:4C:00:01"
RECV_SIZE = 65536
BITS_PER_CHAR = 11             # 8E1: start, 8 data, parity, stop

FAULTS = {1: "garbage", 2: "bad_header_checksum", 3: "bad_crc",
          4: "out_of_window_seq", 5: "duplicate", 6: "lost_ack",
          7: "peer_reset", 8: "deaf"}

UNINIT, INIT, ACTIVE = "uninitialized", "initialized", "active"
ROM, PATCHED = "rom", "patched"

LINK_ERRORS = ("non_link_before_active", "out_of_order", "duplicates",
               "invalid_acks", "window_overruns", "unreliable_hci",
               "malformed_commands")


PROG = "rtl-emu"
log = functools.partial(emulib.log, PROG)


class Wire:
    """Optional model of UART wire time: 11 bits per byte at the baud.

    Both directions share one timeline: a byte occupies the line from when
    it starts, never earlier than the end of the previous one. Bytes from
    the host start when they arrived (the host's sending is the wire
    time); bytes to the host start now.
    """

    def __init__(self, enabled, baud):
        self.enabled = enabled
        self.baud = baud
        self.free_at = 0.0

    def pass_bytes(self, count, since=None):
        if not self.enabled or not count:
            return
        now = time.monotonic()
        start = max(self.free_at, now if since is None else since)
        self.free_at = start + count * BITS_PER_CHAR / self.baud
        if self.free_at > now:
            time.sleep(self.free_at - now)


class Record:
    """What happened, saved as JSON."""

    def __init__(self, path, args):
        self.path = path
        self.t0 = time.monotonic()
        self.notable = False        # an error or a retransmission
        chip = CHIPS[args.chip]
        self.data = {
            "chip": args.chip, "lmp_subver": chip.lmp_subver,
            "hci_rev": chip.hci_rev, "hci_ver": chip.hci_ver,
            "rom_version": chip.rom_version,
            "bdaddr": ":".join(f"{b:02X}" for b in args.bdaddr[::-1]),
            "exit_reason": None,
            # link
            "link_state": UNINIT, "link_establishments": 0,
            "link_resets": [], "own_window": args.window,
            "crc_allowed": not args.no_crc, "config_byte": None,
            "host_config_byte": None, "window": None, "crc": False,
            "link_rx": dict.fromkeys(h5.LINK_NAMES.values(), 0),
            "link_tx": dict.fromkeys(h5.LINK_NAMES.values(), 0),
            "unknown_link": 0, "sync_ignored": 0, "config_ignored": 0,
            "unexpected_link": 0,
            "errors": dict.fromkeys(h5.DECODER_ERRORS + LINK_ERRORS, 0),
            "frames_rx": 0, "frames_tx": 0, "pure_acks_rx": 0,
            "pure_acks_tx": 0, "wire_bytes_rx": 0, "wire_bytes_tx": 0,
            "retransmissions": 0, "host_retransmissions": 0,
            # chip
            "commands": [], "refused_count": 0, "refused": [],
            "reg_reads": [], "baud": args.init_baud,
            "baud_commands": [], "baud_changes": [],
            "downloads": [], "patched": False, "fw_version": None,
            "rom_resets": 0,
            # hand-off
            "handed_off": False, "rom_ran": False, "handoffs": 0,
            "upstream_disconnects": 0, "proxied_to_upstream": 0,
            "proxied_from_upstream": 0, "ignored_packets": 0,
            "upstream_stray_bytes": 0,
            # faults
            "faults_armed": dict.fromkeys(FAULTS.values(), 0),
            "faults_injected": dict.fromkeys(FAULTS.values(), 0),
            "fault_log": [], "garbage_bytes_sent": 0,
        }

    def start_clock(self):
        self.t0 = time.monotonic()

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    def count(self, key, amount=1):
        self.data[key] += amount
        if key in ("retransmissions", "host_retransmissions"):
            self.notable = True

    def error(self, key, amount=1):
        self.data["errors"][key] += amount
        self.notable = True

    def set(self, key, value):
        self.data[key] = value

    def refused(self, opcode, status):
        self.data["refused_count"] += 1
        self.data["refused"].append({"opcode": f"0x{opcode:04x}",
                                     "status": status})

    def save(self):
        self.notable = False
        if not self.path:
            return
        emulib.save_json(self.path, self.data)


# --- H5 link --------------------------------------------------------------

class Link:
    """The controller's end of the three-wire link: link establishment,
    reliable delivery, faults on the frames it sends."""

    def __init__(self, record, own_window, crc_allowed):
        self.record = record
        self.own_window = own_window
        self.crc_allowed = crc_allowed
        # Armed faults outlive link resets.
        self.corrupt = None          # "checksum" or "crc"
        self.out_of_window = False
        self.duplicate = False
        self.lost_ack = False
        self.deaf_until = 0.0
        self.reset()

    def reset(self):
        self.state = UNINIT
        self.window = 1
        self.crc = False
        self.tx_seq = 0              # seq of our next reliable packet
        self.tx_ack = 0              # seq we expect from the host next
        self.unacked = collections.deque()   # [seq, ptype, payload]
        self.rel = collections.deque()       # (ptype, payload, callbacks)
        self.unrel = collections.deque()     # (ptype, payload, crc)
        self.ack_pending = False
        self.rx_since_ack = 0
        self.retransmit_at = None
        self.syncing = False
        self.sync_at = None
        self.configuring = False
        self.config_at = None
        self.host_asleep = False
        self.wakeup_at = None
        self.discarded = None
        self.record.set("link_state", UNINIT)

    # receiving

    def receive(self, p, now):
        """Take one packet from the host; return actions for the session:
        ("hci", ptype, payload), ("host_reset",), ("active",)."""
        if p.ptype != h5.PKT_LINK and self.state != ACTIVE:
            self.record.error("non_link_before_active")
            return []
        if p.reliable and p.ptype != h5.PKT_LINK:
            if not self.accept_reliable(p):
                return []
        elif p.ptype in h5.RELIABLE_TYPES:
            self.record.error("unreliable_hci")
        if self.state == ACTIVE and not (p.ptype == h5.PKT_LINK
                                         and p.payload[:2] == h5.SYNC):
            self.take_ack(p.ack, now)
        if p.ptype == h5.PKT_ACK:
            self.record.count("pure_acks_rx")
            return []
        if p.ptype == h5.PKT_LINK:
            return self.link_control(p, now)
        return [("hci", p.ptype, p.payload)]

    def accept_reliable(self, p):
        if self.lost_ack:
            self.lost_ack = False
            self.discarded = (p.seq, p.payload)
            self.record.data["faults_injected"]["lost_ack"] += 1
            return False
        if p.seq != self.tx_ack:
            behind = (p.seq - self.tx_ack) % 8 >= 8 - self.window
            if behind:
                self.record.error("duplicates")
                self.record.count("host_retransmissions")
            else:
                self.record.error("out_of_order")
            self.ack_pending = True          # re-ack what we expect
            return False
        if self.discarded is not None:
            if self.discarded == (p.seq, p.payload):
                self.record.count("host_retransmissions")
            self.discarded = None
        self.tx_ack = (self.tx_ack + 1) % 8
        self.ack_pending = True
        self.rx_since_ack += 1
        if self.rx_since_ack > self.window:
            # The host cannot have seen an ack we have not sent yet.
            self.record.error("window_overruns")
        return True

    def take_ack(self, ack, now):
        if not self.unacked:
            if ack != self.tx_seq:
                self.record.error("invalid_acks")
            return
        done = (ack - self.unacked[0][0]) % 8
        if done > len(self.unacked):
            self.record.error("invalid_acks")
            return
        for _ in range(done):
            self.unacked.popleft()
        if done:
            self.retransmit_at = now + ACK_TIMEOUT if self.unacked else None

    def link_control(self, p, now):
        msg = p.payload[:2]
        name = h5.LINK_NAMES.get(msg)
        if name is None or len(p.payload) < 2:
            self.record.count("unknown_link")
            return []
        self.record.data["link_rx"][name] += 1
        actions = []
        if msg == h5.SYNC:
            if now < self.deaf_until:
                self.record.count("sync_ignored")
                self.record.data["faults_injected"]["deaf"] += 1
                return []
            if self.state == ACTIVE:
                self.reset()
                actions.append(("host_reset",))
            self.queue_link(h5.SYNC_RSP)
            if self.state == UNINIT:
                self.set_state(INIT)
        elif msg == h5.SYNC_RSP:
            if not self.syncing:
                self.record.count("unexpected_link")
                return []
            self.syncing, self.sync_at = False, None
            if self.state == UNINIT:
                self.set_state(INIT)
            self.configuring, self.config_at = True, now
        elif msg == h5.CONFIG:
            if self.state == UNINIT:
                self.record.count("config_ignored")
                return []
            host = p.payload[2] if len(p.payload) > 2 else None
            self.record.set("host_config_byte", host)
            agreed = self.agree(host)
            self.queue_link(h5.CONFIG_RSP + bytes((agreed,)))
            actions += self.configure(agreed)
        elif msg == h5.CONFIG_RSP:
            if not self.configuring:
                self.record.count("unexpected_link")
                return []
            self.configuring, self.config_at = False, None
            # Without a config field the host took ours as sent.
            cfg = p.payload[2] if len(p.payload) > 2 else self.our_config()
            actions += self.configure(self.agree(cfg))
        elif msg == h5.WAKEUP:
            self.host_asleep, self.wakeup_at = False, None
            self.queue_link(h5.WOKEN)
        elif msg == h5.WOKEN:
            self.host_asleep, self.wakeup_at = False, None
        elif msg == h5.SLEEP:
            self.host_asleep = True
        return actions

    def our_config(self):
        return h5.config_byte(self.own_window)

    def agree(self, host):
        """The config byte we accept for the host's (None: no field)."""
        cfg = h5.parse_config(host if host is not None else 1)
        window = max(1, min(cfg["window"], self.own_window))
        return h5.config_byte(window, crc=cfg["crc"] and self.crc_allowed)

    def configure(self, agreed):
        cfg = h5.parse_config(agreed)
        self.window, self.crc = cfg["window"], cfg["crc"]
        rec = self.record
        rec.set("config_byte", agreed)
        rec.set("window", self.window)
        rec.set("crc", self.crc)
        if self.state == ACTIVE:
            return []
        self.set_state(ACTIVE)
        rec.count("link_establishments")
        return [("active",)]

    def set_state(self, state):
        self.state = state
        self.record.set("link_state", state)

    def start_peer_reset(self, now):
        """Fault 7: start over as the side that sends SYNC."""
        self.reset()
        self.syncing, self.sync_at = True, now

    # sending

    def queue_link(self, msg):
        self.unrel.append((h5.PKT_LINK, msg, self.crc))

    def queue_unreliable(self, ptype, payload):
        self.unrel.append((ptype, payload, self.crc))

    def queue_reliable(self, ptype, payload, callbacks=()):
        self.rel.append((ptype, payload, list(callbacks)))

    def waiting_for_wakeup(self, now):
        """Something for the sleeping host is due."""
        return bool(self.rel or self.ack_pending or (
            self.unacked and now >= self.retransmit_at))

    def deadline(self):
        times = []
        now = time.monotonic()
        if self.host_asleep and self.waiting_for_wakeup(now):
            times.append(self.wakeup_at or now)
        elif self.state == ACTIVE and self.unacked:
            times.append(self.retransmit_at)
        if self.syncing:
            times.append(self.sync_at)
        if self.configuring:
            times.append(self.config_at)
        return min(times) if times else None

    def build(self, ptype, payload, seq=0, reliable=False, crc=None):
        return h5.Packet(ptype, payload, seq=seq, ack=self.tx_ack,
                         reliable=reliable,
                         crc=self.crc if crc is None else crc)

    def pull(self, now):
        """Frames due now: list of (Packet or raw bytes, callbacks)."""
        out = []
        if self.syncing and now >= self.sync_at:
            out.append((self.build(h5.PKT_LINK, h5.SYNC), []))
            self.sync_at = now + SYNC_INTERVAL
        if self.configuring and now >= self.config_at:
            cfg = h5.CONFIG + bytes((self.our_config(),))
            out.append((self.build(h5.PKT_LINK, cfg), []))
            self.config_at = now + SYNC_INTERVAL
        while self.unrel:
            ptype, payload, crc = self.unrel.popleft()
            out.append((self.build(ptype, payload, crc=crc), []))
        if self.host_asleep:
            # Nothing for a sleeping host but WAKEUP until it is WOKEN.
            if self.waiting_for_wakeup(now):
                if self.wakeup_at is None or now >= self.wakeup_at:
                    out.append((self.build(h5.PKT_LINK, h5.WAKEUP), []))
                    self.wakeup_at = now + WAKEUP_INTERVAL
            else:
                self.wakeup_at = None
            return self.finish(out)
        if self.state == ACTIVE:
            if self.unacked and now >= self.retransmit_at:
                for seq, ptype, payload in self.unacked:
                    out.append((self.build(ptype, payload, seq, True), []))
                    self.record.count("retransmissions")
                self.retransmit_at = now + ACK_TIMEOUT
            while self.rel and len(self.unacked) < self.window:
                ptype, payload, callbacks = self.rel.popleft()
                seq, self.tx_seq = self.tx_seq, (self.tx_seq + 1) % 8
                self.unacked.append([seq, ptype, payload])
                out += self.first_sending(seq, ptype, payload, callbacks)
                self.retransmit_at = now + ACK_TIMEOUT
        if self.ack_pending and not out:
            out.append((self.build(h5.PKT_ACK, b""), []))
            self.record.count("pure_acks_tx")
        return self.finish(out)

    def finish(self, out):
        if out:
            self.ack_pending = False
            self.rx_since_ack = 0
        return out

    def first_sending(self, seq, ptype, payload, callbacks):
        """A reliable packet's first sending, with any armed fault."""
        packet = self.build(ptype, payload, seq, True)
        injected = self.record.data["faults_injected"]
        out = []
        if self.out_of_window:
            self.out_of_window = False
            copy = self.build(ptype, payload, (seq + self.window) % 8, True)
            out.append((copy, []))
            injected["out_of_window_seq"] += 1
        if self.corrupt == "checksum":
            raw = bytearray(packet.to_bytes())
            raw[3] ^= 0x5A
            out.append((h5.slip_frame(raw), callbacks))
            injected["bad_header_checksum"] += 1
        elif self.corrupt == "crc" and packet.crc:
            raw = bytearray(packet.to_bytes())
            raw[-1] ^= 0xA5
            out.append((h5.slip_frame(raw), callbacks))
            injected["bad_crc"] += 1
        else:
            out.append((packet, callbacks))
        self.corrupt = None
        if self.duplicate:
            self.duplicate = False
            out.append((packet, []))
            injected["duplicate"] += 1
        return out


# --- the chip's command handling ------------------------------------------

class Reply:
    """A command's outcome."""

    def __init__(self, status, params=b"", baud=None, fault=None,
                 save=False, to_rom=False):
        self.status = status
        self.params = params
        self.baud = baud
        self.fault = fault
        self.save = save
        self.to_rom = to_rom        # the running firmware is gone


class Download:
    """One firmware download (0xfc20 fragments)."""

    def __init__(self, record):
        self.record = record
        self.sha = hashlib.sha256()
        self.image = bytearray()
        self.expected = 0
        self.open = True
        data = record.data
        self.before = (dict(data["errors"]), data["retransmissions"],
                       data["host_retransmissions"],
                       len(data["baud_changes"]))
        self.info = {
            "fragments": 0, "payload_bytes": 0,
            "sha256": self.sha.hexdigest(), "complete": False,
            "aborted": None, "refused_fragments": 0,
            "short_fragments": 0, "last_index": None,
            "wire_bytes_host_to_emu": 0, "wire_bytes_emu_to_host": 0,
            "payload_per_wire_byte": None, "fw_version": None,
            "t_start": record.now(), "t_end": None,
            "baud_at_start": data["baud"], "baud_at_end": None,
            "config_byte": data["config_byte"], "window": data["window"],
            "crc": data["crc"],
            # during the download: errors by kind (those seen), our
            # retransmissions, the host's, speed changes
            "errors": {}, "retransmissions": 0, "host_retransmissions": 0,
            "baud_changes": 0,
        }
        data["downloads"].append(self.info)

    def close(self):
        """The download is over (its last reply went out, or it was
        abandoned): note what happened on the link meanwhile."""
        if not self.open:
            return
        self.open = False
        data, info = self.record.data, self.info
        errors, retrans, host_retrans, bauds = self.before
        info["errors"] = {k: v - errors[k] for k, v in data["errors"].items()
                          if v != errors[k]}
        info["retransmissions"] = data["retransmissions"] - retrans
        info["host_retransmissions"] = (data["host_retransmissions"]
                                        - host_retrans)
        info["baud_changes"] = len(data["baud_changes"]) - bauds
        info["baud_at_end"] = data["baud"]

    def wire(self, key, count):
        self.info[key] += count
        total = (self.info["wire_bytes_host_to_emu"]
                 + self.info["wire_bytes_emu_to_host"])
        self.info["payload_per_wire_byte"] = round(
            self.info["payload_bytes"] / total, 4) if total else None


def fw_version_of(image):
    """The fw_version btrtl put at the end of the patch: the le32 before
    the appended config (found by its magic and length), else the
    image's last 4 bytes."""
    magic = struct.pack("<I", CONFIG_MAGIC)
    pos = image.rfind(magic)
    while pos >= 4:
        if pos + 6 <= len(image):
            total = struct.unpack_from("<H", image, pos + 4)[0]
            if pos + 6 + total == len(image):
                return struct.unpack_from("<I", image, pos - 4)[0]
        pos = image.rfind(magic, 0, pos)
    if len(image) >= 4:
        return struct.unpack_from("<I", image, len(image) - 4)[0]
    return 0


class Chip:
    """The controller's command handling, ROM to patched firmware."""

    def __init__(self, record, args):
        self.record = record
        self.args = args
        self.profile = CHIPS[args.chip]
        self.state = ROM
        self.download = None
        self.fw_version = None
        self.handlers = {
            OP_RESET: self.reset,
            OP_READ_LOCAL_VERSION: self.read_local_version,
            OP_READ_BD_ADDR: self.read_bd_addr,
            OP_RTL_SPEED: self.set_speed,
            OP_RTL_DOWNLOAD: self.download_fragment,
            OP_RTL_READ_REG16: self.read_reg16,
            OP_RTL_DROP_FW: self.drop_firmware,
            OP_RTL_ROM_VERSION: self.rom_version,
            OP_TEST_FAULT: self.test_fault,
        }

    def answers(self, opcode):
        return opcode in self.handlers

    def handle(self, opcode, params):
        handler = self.handlers.get(opcode)
        if handler is None:
            return Reply(ST_UNKNOWN_COMMAND)
        return handler(params)

    def power_cycle(self):
        """Back to the ROM: the firmware is gone."""
        self.abort_download("rom-reset")
        self.state = ROM
        self.fw_version = None
        self.record.set("patched", False)
        self.record.set("fw_version", None)
        self.record.count("rom_resets")

    def abort_download(self, why):
        """Forget the download under way (a finished one stays
        recorded as it is)."""
        dl = self.download
        if dl and not dl.info["complete"]:
            dl.info["aborted"] = why
            dl.info["t_end"] = self.record.now()
        if dl:
            dl.close()
        self.download = None

    def reset(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        self.abort_download("hci-reset")
        return Reply(ST_OK)

    def read_local_version(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        p = self.profile
        rev, subver = p.hci_rev, p.lmp_subver
        if self.state == PATCHED:
            rev, subver = self.fw_version >> 16, self.fw_version & 0xFFFF
        return Reply(ST_OK, struct.pack("<BHBHH", p.hci_ver, rev,
                                        p.hci_ver, REALTEK, subver))

    def read_bd_addr(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        return Reply(ST_OK, self.args.bdaddr)

    def read_reg16(self, params):
        if len(params) != 5:
            return Reply(ST_INVALID_PARAMS)
        p = self.profile
        values = {REG_CHIP_SUBVER: p.lmp_subver, REG_CHIP_REV: p.hci_rev,
                  REG_SEC_PROJ: KEY_ID, REG_CHIP_TYPE: 0}
        self.record.data["reg_reads"].append(bytes(params).hex())
        return Reply(ST_OK, struct.pack("<H", values.get(bytes(params), 0)))

    def rom_version(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        return Reply(ST_OK, bytes((self.profile.rom_version,)))

    def set_speed(self, params):
        word = struct.unpack("<I", params)[0] if len(params) == 4 else None
        baud = WORD_SPEEDS.get(word)
        self.record.data["baud_commands"].append({
            "word": None if word is None else f"0x{word:08x}",
            "baud": baud, "accepted": baud is not None})
        if baud is None:
            return Reply(ST_INVALID_PARAMS, save=True)
        return Reply(ST_OK, baud=baud, save=True)

    def drop_firmware(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        self.abort_download("dropped")
        was_patched = self.state == PATCHED
        if was_patched:
            self.state = ROM
            self.fw_version = None
            self.record.set("patched", False)
            self.record.set("fw_version", None)
        return Reply(ST_OK, save=True, to_rom=was_patched)

    def download_fragment(self, params):
        if not 1 <= len(params) <= 1 + 252:
            return Reply(ST_INVALID_PARAMS)
        index, data = params[0], params[1:]
        if self.state == PATCHED:
            return Reply(ST_DISALLOWED, bytes((index,)))
        dl = self.download
        if index & 0x7F == 0 and (dl is None or dl.expected != 0):
            self.abort_download("restarted")
            dl = self.download = Download(self.record)
        if dl is None or index & 0x7F != dl.expected:
            if dl:
                dl.info["refused_fragments"] += 1
            return Reply(ST_INVALID_PARAMS, bytes((index,)))
        last = bool(index & 0x80)
        if not last and len(data) != 252:
            dl.info["short_fragments"] += 1
        dl.sha.update(data)
        dl.image += data
        dl.expected = index + 1 if index < 0x7F else 1
        info = dl.info
        info["fragments"] += 1
        info["payload_bytes"] += len(data)
        info["sha256"] = dl.sha.hexdigest()
        info["last_index"] = index
        if not last:
            return Reply(ST_OK, bytes((index,)))
        info["complete"] = True
        info["t_end"] = self.record.now()
        self.fw_version = fw_version_of(dl.image)
        info["fw_version"] = self.fw_version
        self.state = PATCHED
        self.record.set("patched", True)
        self.record.set("fw_version", self.fw_version)
        return Reply(ST_OK, bytes((index,)), save=True)

    def test_fault(self, params):
        if not 1 <= len(params) <= 2 or params[0] not in FAULTS:
            return Reply(ST_INVALID_PARAMS)
        code = params[0]
        arg = params[1] if len(params) > 1 else 0
        return Reply(ST_OK, fault=(code, arg), save=True)


def command_complete(opcode, reply):
    """H5 payload (H4 without the type byte) of a Command Complete."""
    params = struct.pack("<BHB", 1, opcode, reply.status) + reply.params
    return bytes((EVT_CMD_COMPLETE, len(params))) + params


def make_garbage(count, rng):
    """count bytes a receiver must skip: random bytes that are neither a
    delimiter nor an escape, with stray delimiters, such that no four
    bytes after a delimiter (or at the start) make a valid header."""
    while True:
        out = bytearray()
        for i in range(count):
            if i % 5 == 2:
                out.append(h5.SLIP_DELIM)
            else:
                b = rng.randrange(256)
                while b in (h5.SLIP_DELIM, h5.SLIP_ESC):
                    b = rng.randrange(256)
                out.append(b)
        runs = bytes(out).split(bytes((h5.SLIP_DELIM,)))
        if not any(h5.header_ok(run[i:i + 4]) for run in runs
                   for i in range(0, max(0, len(run) - 3))):
            return bytes(out)


# --- the session ----------------------------------------------------------

class Session:
    """One client connection."""

    def __init__(self, args, client, record):
        self.args = args
        self.client = client
        self.record = record
        self.wire = Wire(args.wire_baud_model, args.init_baud)
        self.link = Link(record, args.window, not args.no_crc)
        self.chip = Chip(record, args)
        self.decoder = h5.Decoder()
        self.upstream = None
        self.up_parser = None
        self.garbage = 0
        self.rng = random.Random(0x5EED)
        self.sel = selectors.DefaultSelector()
        self.sel.register(client, selectors.EVENT_READ, self.from_client)

    def run(self):
        while True:
            deadline = self.link.deadline()
            timeout = None if deadline is None else \
                max(0.0, deadline - time.monotonic())
            for key, _ in self.sel.select(timeout):
                reason = key.data()
                if reason:
                    return reason
            reason = self.flush()
            if reason:
                return reason
            if self.record.notable:
                self.record.save()

    # from the host

    def from_client(self):
        data = emulib.recv(self.client, RECV_SIZE)
        if not data:
            return "client-closed"
        arrived = time.monotonic()
        self.wire.pass_bytes(len(data), arrived)
        self.record.count("wire_bytes_rx", len(data))
        before = self.open_download()
        for packet in self.decoder.feed(data):
            self.record.count("frames_rx")
            reason = self.packet(packet)
            if reason:
                return reason
        self.sync_decoder_counts()
        dl = before or self.open_download()
        if dl:
            dl.wire("wire_bytes_host_to_emu", len(data))
        return self.flush()

    def sync_decoder_counts(self):
        errors = self.record.data["errors"]
        for key in h5.DECODER_ERRORS:
            if errors[key] != self.decoder.counts[key]:
                errors[key] = self.decoder.counts[key]
                self.record.notable = True

    def open_download(self):
        dl = self.chip.download
        return dl if dl and dl.open else None

    def packet(self, packet):
        for action in self.link.receive(packet, time.monotonic()):
            kind = action[0]
            if kind == "host_reset":
                self.rom_reset("host-sync")
            elif kind == "active":
                log(f"link active, config 0x{self.link_cfg():02x}")
                self.record.save()
            elif kind == "hci":
                reason = self.hci(action[1], action[2])
                if reason:
                    return reason
        return None

    def link_cfg(self):
        return self.record.data["config_byte"] or 0

    def rom_reset(self, reason):
        """The module lost power or reset: ROM, init baud, no upstream."""
        self.chip.power_cycle()
        self.drop_upstream()
        if self.wire.baud != self.args.init_baud:
            self.baud_change(self.args.init_baud)
        self.record.data["link_resets"].append({"t": self.record.now(),
                                                "reason": reason})
        self.record.save()
        log(f"link reset ({reason}): back to ROM")

    def hci(self, ptype, payload):
        if ptype == h5.PKT_CMD:
            return self.command(payload)
        if self.upstream and ptype in (h5.PKT_ACL, h5.PKT_SCO):
            return self.forward(bytes((ptype,)) + payload)
        self.record.count("ignored_packets")
        return None

    def command(self, payload):
        if len(payload) < 3 or payload[2] != len(payload) - 3:
            self.record.error("malformed_commands")
            return None
        opcode = struct.unpack_from("<H", payload)[0]
        params = payload[3:]
        self.record.data["commands"].append(f"0x{opcode:04x}")
        vendor = opcode >> 10 == 0x3F
        local = vendor or opcode == OP_READ_LOCAL_VERSION
        if self.upstream and not local:
            return self.forward(bytes((H4_CMD,)) + payload)
        if self.args.upstream and not local:
            if self.chip.state == PATCHED:
                return self.hand_off(payload)
            if not self.chip.answers(opcode):
                self.record.set("rom_ran", True)
                return self.hand_off(payload)
        reply = self.chip.handle(opcode, params)
        dl = self.open_download()
        if reply.status == ST_OK and reply.fault and reply.fault[0] == 3 \
                and not self.link.crc:
            reply = Reply(ST_DISALLOWED)
        if reply.status != ST_OK:
            self.record.refused(opcode, reply.status)
        if reply.to_rom:
            self.drop_upstream()
        callbacks = []
        if reply.baud:
            callbacks.append(("baud", reply.baud))
        if reply.fault:
            callbacks.append(("fault", reply.fault))
        if opcode == OP_RTL_DOWNLOAD and dl and dl.info["complete"]:
            callbacks.append(("download_done", dl))
        if reply.save:
            self.record.save()
        self.link.queue_reliable(h5.PKT_EVT, command_complete(opcode, reply),
                                 callbacks)
        return None

    # faults

    def arm_fault(self, code, arg):
        name = FAULTS[code]
        rec = self.record
        rec.data["faults_armed"][name] += 1
        rec.data["fault_log"].append({"t": rec.now(), "code": code,
                                      "name": name, "arg": arg})
        link = self.link
        if code == 1:
            self.garbage += arg or DEFAULT_GARBAGE
        elif code == 2:
            link.corrupt = "checksum"
        elif code == 3:
            link.corrupt = "crc"
        elif code == 4:
            link.out_of_window = True
        elif code == 5:
            link.duplicate = True
        elif code == 6:
            link.lost_ack = True
        elif code == 7:
            rec.data["faults_injected"]["peer_reset"] += 1
            self.rom_reset("peer-reset")
            link.start_peer_reset(time.monotonic())
        elif code == 8:
            link.deaf_until = time.monotonic() + (arg or DEFAULT_DEAF_S)
        rec.save()
        log(f"fault {code} ({name}) armed, arg {arg}")

    # to the host

    def flush(self):
        """Send whatever the link has due."""
        while True:
            frames = self.link.pull(time.monotonic())
            if not frames:
                return None
            for frame, callbacks in frames:
                reason = self.send_frame(frame, callbacks)
                if reason:
                    return reason

    def send_frame(self, frame, callbacks):
        if isinstance(frame, h5.Packet):
            self.count_sent(frame)
            frame = frame.encode()
        if self.garbage:
            junk = make_garbage(self.garbage, self.rng)
            self.garbage = 0
            self.record.data["faults_injected"]["garbage"] += 1
            self.record.count("garbage_bytes_sent", len(junk))
            frame = junk + frame
        self.wire.pass_bytes(len(frame))
        try:
            self.client.sendall(frame)
        except OSError:
            return "client-closed"
        self.record.count("frames_tx")
        self.record.count("wire_bytes_tx", len(frame))
        dl = self.open_download()
        if dl:
            dl.wire("wire_bytes_emu_to_host", len(frame))
        for callback in callbacks:
            self.after_sent(callback)
        return None

    def count_sent(self, packet):
        if packet.ptype == h5.PKT_LINK:
            name = h5.LINK_NAMES.get(packet.payload[:2])
            if name:
                self.record.data["link_tx"][name] += 1

    def after_sent(self, callback):
        kind, value = callback
        if kind == "baud":
            self.baud_change(value)
        elif kind == "fault":
            self.arm_fault(*value)
        elif kind == "download_done":
            value.close()

    def baud_change(self, baud):
        self.record.data["baud_changes"].append({
            "t": self.record.now(), "from": self.wire.baud, "to": baud})
        self.wire.baud = baud
        self.record.set("baud", baud)
        self.record.save()

    # upstream

    def hand_off(self, payload):
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.args.upstream)
        except OSError as err:
            upstream.close()
            log(f"cannot reach upstream {self.args.upstream}: {err}")
            return "upstream-unreachable"
        self.upstream = upstream
        self.up_parser = H4Parser()
        self.sel.register(upstream, selectors.EVENT_READ, self.from_upstream)
        self.record.set("handed_off", True)
        self.record.count("handoffs")
        self.record.save()
        log(f"handed off to {self.args.upstream}")
        return self.forward(bytes((H4_CMD,)) + payload)

    def drop_upstream(self):
        if not self.upstream:
            return
        self.sel.unregister(self.upstream)
        self.upstream.close()
        self.upstream = None
        self.record.set("handed_off", False)
        self.record.count("upstream_disconnects")

    def forward(self, h4):
        try:
            self.upstream.sendall(h4)
        except OSError:
            return "upstream-closed"
        self.record.count("proxied_to_upstream", len(h4))
        return None

    def from_upstream(self):
        data = emulib.recv(self.upstream, RECV_SIZE)
        if not data:
            return "upstream-closed"
        self.record.count("proxied_from_upstream", len(data))
        self.up_parser.feed(data)
        while (packet := self.up_parser.next_packet()) is not None:
            ptype, raw = packet
            if ptype in (H4_EVT, H4_ACL):
                self.link.queue_reliable(ptype, raw[1:])
            elif ptype == H4_SCO:
                self.link.queue_unreliable(ptype, raw[1:])
            else:
                self.record.count("upstream_stray_bytes", len(raw))
        return self.flush()

    def close(self):
        self.sel.close()
        if self.upstream:
            self.upstream.close()
        self.client.close()


def window_arg(text):
    value = int(text, 0)
    if not 1 <= value <= 7:
        raise argparse.ArgumentTypeError(f"window {text} not in 1..7")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Emulate a Realtek H5 (three-wire UART) Bluetooth "
        "controller.")
    p.add_argument("--listen", required=True, metavar="PATH",
                   help="unix socket to listen on")
    p.add_argument("--upstream", metavar="PATH",
                   help="H4 controller socket to hand the link to")
    p.add_argument("--record", metavar="FILE", help="JSON record to write")
    p.add_argument("--chip", choices=sorted(CHIPS), default="rtl8723bs",
                   help="the chip to be (default rtl8723bs)")
    p.add_argument("--wire-baud-model", action="store_true",
                   help="sleep for the UART wire time of every byte (8E1)")
    p.add_argument("--init-baud", type=positive_int, default=115200,
                   help="baud before any 0xfc17 (default 115200)")
    p.add_argument("--bdaddr", type=bdaddr_arg,
                   default=bdaddr_arg(DEFAULT_BDADDR),
                   help=f"BD_ADDR to report (default {DEFAULT_BDADDR})")
    p.add_argument("--no-crc", action="store_true",
                   help="refuse the data integrity check (CRC)")
    p.add_argument("--window", type=window_arg, default=4,
                   help="own maximum sliding window, 1..7 (default 4)")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, emulib.on_sigterm)
    record = Record(args.record, args)
    return emulib.serve(PROG, args, record, Session)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
