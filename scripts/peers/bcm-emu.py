#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Emulate a Broadcom Bluetooth UART controller's boot and firmware download.

  bcm-emu.py --listen PATH [--upstream PATH] [--record FILE] [--chip NAME]...
             [--wire-baud-model] [--init-baud N] [--bdaddr XX:XX:XX:XX:XX:XX]

Listens on the unix stream socket PATH, accepts one client (the serial
port's socket chardev) and speaks H4 to it. In the boot ROM it answers
HCI Reset, Read Local Version, Read BD_ADDR, Read Local Name and the
Broadcom vendor commands Update UART Baud Rate (0xfc18), Download
Minidriver (0xfc2e), Write RAM (0xfc4c), Launch RAM (0xfc4e), Read
Controller Features (0xfc6e) and Read Verbose Config Version Info
(0xfc79); anything else gets status 0x01 (Unknown HCI Command), as a real
chip would.

--chip picks who it is (default BCM43430A1; see CHIPS): the LMP
subversion in Read Local Version, which btbcm maps to the chip's firmware
name, and the Local Name the chip reports, which on real boards is not
that name (a Raspberry Pi 3B+ says "BCM43455 37.4MHz Raspberry Pi
3+-0190" and needs brcm/BCM4345C0.hcd). Given more than once, the first
is the chip at start and the project's own vendor command 0xfcf0 (no
Broadcom chip has it: a test's way to swap the module without a reboot)
moves to the next one, as if another chip had been powered up.

After Launch RAM the firmware "runs": download commands are refused, and
the next HCI Reset hands the link to --upstream (a virtual controller's
H4 socket), packets proxied unchanged both ways, starting with that Reset.
A chip that gets no firmware runs its ROM's: in the ROM, the first command
that is neither a vendor command nor one answered here hands the link to
--upstream the same way (the record says "rom_ran"). After a hand-off,
vendor commands (OGF 0x3f, e.g. the speed command), Read Local Version
and Read Local Name are still answered here, as the patched firmware
would (the chip's identity, which drivers read to pick the firmware).
Without --upstream the emulator keeps answering everything, as patched
firmware.

--wire-baud-model models the line: bytes * 10 / baud for every command
consumed (counted from the arrival of its first byte) and every reply sent
(and every proxied chunk), one after the other; the baud starts at
--init-baud and follows accepted 0xfc18 commands once their reply has gone
out.

The JSON record (--record) is written at exit (client gone or SIGTERM) and
after each Launch RAM, baud command and hand-off.
"""

import argparse
import functools
import hashlib
import os
import selectors
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulib  # noqa: E402
from emulib import bdaddr_arg, positive_int  # noqa: E402
from h4lib import H4_CMD, H4_EVT, H4Parser  # noqa: E402

OP_RESET = 0x0C03
OP_READ_LOCAL_NAME = 0x0C14
OP_READ_LOCAL_VERSION = 0x1001
OP_READ_BD_ADDR = 0x1009
OP_UPDATE_BAUD = 0xFC18
OP_DOWNLOAD_MINIDRIVER = 0xFC2E
OP_WRITE_RAM = 0xFC4C
OP_LAUNCH_RAM = 0xFC4E
OP_READ_FEATURES = 0xFC6E
OP_READ_VERBOSE_CONFIG = 0xFC79
OP_NEXT_CHIP = 0xFCF0         # the emulator's own: see --chip

EVT_CMD_COMPLETE = 0x0E
ST_OK = 0x00
ST_UNKNOWN_COMMAND = 0x01
ST_DISALLOWED = 0x0C
ST_INVALID_PARAMS = 0x12

SUPPORTED_BAUDS = frozenset((115200, 230400, 460800, 921600, 1000000,
                             1500000, 2000000, 3000000, 4000000))
MAX_WRITE_RAM_DATA = 251
NAME_LEN = 248
BROADCOM = 15
PATCHED_REVISION = 0x1165     # HCI revision once patched; the ROM's is 0


class Profile:
    """What a chip says about itself."""

    def __init__(self, subver, hci_version, local_name, chip_id):
        self.subver = subver
        self.hci_version = hci_version
        self.local_name = local_name
        self.chip_id = chip_id


# LMP subversions as btbcm's UART table has them; Local Names as the two
# Raspberry Pi chips report them in their boot logs. The chip ids (only
# logged by btbcm) are the emulator's own.
CHIPS = {
    # Raspberry Pi 3B and Zero W
    "BCM43430A1": Profile(0x2209, 0x07,
                          b"BCM43438A1 37.4MHz Raspberry Pi 3-0141", 1),
    # Raspberry Pi 3B+, 4B and 5 (CYW43455)
    "BCM4345C0": Profile(0x6119, 0x09,
                         b"BCM43455 37.4MHz Raspberry Pi 3+-0190", 2),
    # AP6256 modules (RockPro64, Pinebook Pro)
    "BCM4345C5": Profile(0x6606, 0x09, b"BCM4345C5 AP6256", 3),
    # A subversion btbcm does not know: it falls back to its generic name.
    "unknown": Profile(0x5a5a, 0x09, b"BCM4399 unlisted", 4),
}
DEFAULT_BDADDR = "02:42:43:4D:00:01"
RECV_SIZE = 4096

ROM, DOWNLOAD, LAUNCHED, RUNNING = "rom", "download", "launched", "running"


PROG = "bcm-emu"
log = functools.partial(emulib.log, PROG)


class Wire:
    """Optional model of UART wire time: 10 bits per byte at the baud.

    The line carries one byte at a time in each direction of use here
    (command, then reply), so a packet occupies it from when it starts,
    never earlier than the end of the previous packet, for its bytes' time.
    A packet from the host starts when its first byte arrived: on a real
    UART the host's sending is the wire time, not something before it.
    """

    def __init__(self, enabled, baud):
        self.enabled = enabled
        self.baud = baud
        self.free_at = 0.0

    def pass_bytes(self, count, since=None):
        """Wait until count bytes that started at since (default now) have
        crossed the line."""
        if not self.enabled or not count:
            return
        now = time.monotonic()
        start = max(self.free_at, now if since is None else since)
        self.free_at = start + count * 10 / self.baud
        if self.free_at > now:
            time.sleep(self.free_at - now)


class Record:
    """What the host did, saved as JSON."""

    def __init__(self, path):
        self.path = path
        self.t0 = time.monotonic()
        self.sha = hashlib.sha256()
        self.data = {
            "commands": [], "baud_commands": [],
            "write_ram_records": 0, "write_ram_bytes": 0,
            "write_ram_sha256": self.sha.hexdigest(),
            "write_ram_first_address": None, "write_ram_last_address": None,
            "launch_address": None, "launches": 0,
            "download_mode_entered": False,
            "refused_count": 0, "refused": [],
            "handed_off": False, "rom_ran": False,
            "proxied_to_upstream": 0, "proxied_from_upstream": 0,
            "t_download_minidriver": None, "t_launch_ram": None,
            "ignored_packets": 0, "dropped_bytes": 0,
            "exit_reason": None,
            "chip": None, "chips": {}, "chip_switches": 0,
        }
        self.chip_sha = {}

    def chip(self, name):
        self.data["chip"] = name
        self.data["chips"].setdefault(name, {
            "minidrivers": 0, "launches": 0, "write_ram_records": 0,
            "write_ram_bytes": 0,
            "write_ram_sha256": hashlib.sha256().hexdigest()})
        self.chip_sha.setdefault(name, hashlib.sha256())

    def start_clock(self):
        self.t0 = time.monotonic()

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    def command(self, opcode):
        self.data["commands"].append(f"0x{opcode:04x}")

    def refused(self, opcode, status):
        self.data["refused_count"] += 1
        self.data["refused"].append({"opcode": f"0x{opcode:04x}",
                                     "status": status})

    def baud(self, value, accepted):
        self.data["baud_commands"].append({"baud": value,
                                           "accepted": accepted})

    def minidriver(self):
        self.data["download_mode_entered"] = True
        self.data["chips"][self.data["chip"]]["minidrivers"] += 1
        if self.data["t_download_minidriver"] is None:
            self.data["t_download_minidriver"] = self.now()

    def write_ram(self, address, chunk):
        d = self.data
        self.sha.update(chunk)
        d["write_ram_records"] += 1
        d["write_ram_bytes"] += len(chunk)
        d["write_ram_sha256"] = self.sha.hexdigest()
        if d["write_ram_first_address"] is None:
            d["write_ram_first_address"] = address
        d["write_ram_last_address"] = address
        c, sha = d["chips"][d["chip"]], self.chip_sha[d["chip"]]
        sha.update(chunk)
        c["write_ram_records"] += 1
        c["write_ram_bytes"] += len(chunk)
        c["write_ram_sha256"] = sha.hexdigest()

    def launch(self, address):
        self.data["launch_address"] = address
        self.data["launches"] += 1
        self.data["chips"][self.data["chip"]]["launches"] += 1
        if self.data["t_launch_ram"] is None:
            self.data["t_launch_ram"] = self.now()

    def count(self, key, amount=1):
        self.data[key] += amount

    def set(self, key, value):
        self.data[key] = value

    def save(self):
        if not self.path:
            return
        emulib.save_json(self.path, self.data)


class Reply:
    """A command's outcome: status, return parameters, side effects."""

    def __init__(self, status, params=b"", baud=None, save=False):
        self.status = status
        self.params = params
        self.baud = baud
        self.save = save


class Chip:
    """The controller's command handling, ROM to patched firmware."""

    def __init__(self, record, bdaddr, chips):
        self.record = record
        self.bdaddr = bdaddr
        self.chips = chips
        self.profile = None
        self.state = ROM
        self.patched = False
        self.next_chip(b"")
        self.handlers = {
            OP_RESET: self.reset,
            OP_READ_LOCAL_VERSION: self.read_local_version,
            OP_READ_BD_ADDR: self.read_bd_addr,
            OP_READ_LOCAL_NAME: self.read_local_name,
            OP_UPDATE_BAUD: self.update_baud,
            OP_DOWNLOAD_MINIDRIVER: self.download_minidriver,
            OP_WRITE_RAM: self.write_ram,
            OP_LAUNCH_RAM: self.launch_ram,
            OP_READ_FEATURES: self.read_features,
            OP_READ_VERBOSE_CONFIG: self.read_verbose_config,
            OP_NEXT_CHIP: self.next_chip,
        }

    def wants_handoff(self, opcode):
        return self.state == LAUNCHED and opcode == OP_RESET

    def rom_runs(self, opcode):
        """A command only the running ROM firmware answers."""
        return (self.state == ROM and opcode not in self.handlers
                and opcode >> 10 != 0x3F)

    def handle(self, opcode, params):
        handler = self.handlers.get(opcode)
        if handler is None:
            return Reply(ST_UNKNOWN_COMMAND)
        return handler(params)

    def reset(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        self.state = RUNNING if self.patched else ROM
        return Reply(ST_OK)

    def read_local_version(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        rev = PATCHED_REVISION if self.patched else 0
        p = self.profile
        return Reply(ST_OK, struct.pack("<BHBHH", p.hci_version, rev,
                                        p.hci_version, BROADCOM, p.subver))

    def read_bd_addr(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        return Reply(ST_OK, self.bdaddr)

    def read_local_name(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        return Reply(ST_OK, self.profile.local_name.ljust(NAME_LEN, b"\0"))

    def read_features(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        return Reply(ST_OK, bytes(8))

    def read_verbose_config(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        build = PATCHED_REVISION if self.patched else 0
        return Reply(ST_OK, struct.pack("<BBHH", self.profile.chip_id, 0,
                                        0, build & 0x0FFF))

    def next_chip(self, params):
        """The emulator's own command: the next --chip, freshly powered."""
        if params:
            return Reply(ST_INVALID_PARAMS)
        if self.profile is not None:
            if len(self.chips) < 2:
                return Reply(ST_DISALLOWED)
            self.chips.append(self.chips.pop(0))
            self.record.count("chip_switches")
        self.profile = CHIPS[self.chips[0]]
        self.record.chip(self.chips[0])
        self.state = ROM
        self.patched = False
        return Reply(ST_OK, save=True)

    def update_baud(self, params):
        if len(params) != 6:
            self.record.baud(None, False)
            return Reply(ST_INVALID_PARAMS, save=True)
        baud = struct.unpack_from("<I", params, 2)[0]
        ok = baud in SUPPORTED_BAUDS
        self.record.baud(baud, ok)
        if not ok:
            return Reply(ST_INVALID_PARAMS, save=True)
        return Reply(ST_OK, baud=baud, save=True)

    def download_minidriver(self, params):
        if params:
            return Reply(ST_INVALID_PARAMS)
        self.state = DOWNLOAD
        self.record.minidriver()
        return Reply(ST_OK)

    def write_ram(self, params):
        if self.state != DOWNLOAD:
            return Reply(ST_DISALLOWED)
        if not 5 <= len(params) <= 4 + MAX_WRITE_RAM_DATA:
            return Reply(ST_INVALID_PARAMS)
        address = struct.unpack_from("<I", params)[0]
        self.record.write_ram(address, params[4:])
        return Reply(ST_OK)

    def launch_ram(self, params):
        if self.state != DOWNLOAD:
            return Reply(ST_DISALLOWED)
        if len(params) != 4:
            return Reply(ST_INVALID_PARAMS)
        self.record.launch(struct.unpack("<I", params)[0])
        self.state = LAUNCHED
        self.patched = True
        return Reply(ST_OK, save=True)


def command_complete(opcode, reply):
    """H4 bytes of a Command Complete event for reply."""
    params = struct.pack("<BHB", 1, opcode, reply.status) + reply.params
    return bytes((H4_EVT, EVT_CMD_COMPLETE, len(params))) + params


class Session:
    """One client connection: answer it, or proxy it once handed off."""

    def __init__(self, args, client, record):
        self.args = args
        self.client = client
        self.record = record
        self.wire = Wire(args.wire_baud_model, args.init_baud)
        self.packet_started = 0.0
        self.chip = Chip(record, args.bdaddr, list(args.chip))
        self.parser = H4Parser()
        self.upstream = None
        self.sel = selectors.DefaultSelector()
        self.sel.register(client, selectors.EVENT_READ, self.from_client)

    def run(self):
        """Serve until one side closes; return the exit reason."""
        while True:
            for key, _ in self.sel.select():
                reason = key.data()
                if reason:
                    return reason

    def from_client(self):
        data = emulib.recv(self.client, RECV_SIZE)
        if not data:
            return "client-closed"
        if not self.parser.buf:
            self.packet_started = time.monotonic()
        self.parser.feed(data)
        if self.upstream:
            return self.proxy_packets()
        return self.serve_packets()

    def serve_packets(self):
        while (packet := self.parser.next_packet()) is not None:
            ptype, raw = packet
            self.wire.pass_bytes(len(raw), self.packet_started)
            # What is left in the buffer came with the latest read.
            self.packet_started = time.monotonic()
            if ptype == H4_CMD:
                reason = self.command(raw)
                if reason or self.upstream:
                    return reason
            elif ptype is None:
                self.record.count("dropped_bytes")
            else:
                self.record.count("ignored_packets")
        return None

    def command(self, raw):
        opcode = struct.unpack_from("<H", raw, 1)[0]
        self.record.command(opcode)
        if self.args.upstream and self.chip.rom_runs(opcode):
            self.record.set("rom_ran", True)
            return self.hand_off(raw)
        if self.args.upstream and self.chip.wants_handoff(opcode):
            return self.hand_off(raw)
        reply = self.chip.handle(opcode, raw[4:])
        if reply.status != ST_OK:
            self.record.refused(opcode, reply.status)
        if reply.save:
            self.record.save()
        reason = self.send_client(command_complete(opcode, reply))
        if reply.baud:
            self.wire.baud = reply.baud
        return reason

    def hand_off(self, reset):
        """Connect upstream and forward reset plus anything buffered."""
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.args.upstream)
        except OSError as err:
            upstream.close()
            log(f"cannot reach upstream {self.args.upstream}: {err}")
            return "upstream-unreachable"
        self.upstream = upstream
        self.sel.register(upstream, selectors.EVENT_READ, self.from_upstream)
        self.record.set("handed_off", True)
        self.record.save()
        log(f"handed off to {self.args.upstream}")
        return self.forward(reset) or self.proxy_packets()

    def proxy_packets(self):
        """After hand-off: vendor commands (OGF 0x3f), Read Local Version
        and Read Local Name (the chip's identity, which drivers read to
        pick the firmware) are still answered here, as the patched
        firmware answers them; all else goes up."""
        while (packet := self.parser.next_packet()) is not None:
            ptype, raw = packet
            if ptype is None:
                self.record.count("dropped_bytes")
                continue
            if ptype == H4_CMD and self.answered_here(raw):
                reason = self.command(raw)
            else:
                reason = self.to_upstream(raw)
            if reason:
                return reason
        return None

    @staticmethod
    def answered_here(raw):
        opcode = struct.unpack_from("<H", raw, 1)[0]
        return opcode >> 10 == 0x3F or opcode in (OP_READ_LOCAL_NAME,
                                                  OP_READ_LOCAL_VERSION)

    def to_upstream(self, data):
        self.wire.pass_bytes(len(data))
        return self.forward(data)

    def forward(self, data):
        try:
            self.upstream.sendall(data)
        except OSError:
            return "upstream-closed"
        self.record.count("proxied_to_upstream", len(data))
        return None

    def from_upstream(self):
        data = emulib.recv(self.upstream, RECV_SIZE)
        if not data:
            return "upstream-closed"
        self.record.count("proxied_from_upstream", len(data))
        return self.send_client(data)

    def send_client(self, data):
        self.wire.pass_bytes(len(data))
        try:
            self.client.sendall(data)
        except OSError:
            return "client-closed"
        return None

    def close(self):
        self.sel.close()
        if self.upstream:
            self.upstream.close()
        self.client.close()


def baud_arg(text):
    """--init-baud: a baud above 0."""
    return positive_int(text, "baud")


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Emulate a Broadcom UART Bluetooth controller's boot.")
    p.add_argument("--listen", required=True, metavar="PATH",
                   help="unix socket to listen on")
    p.add_argument("--upstream", metavar="PATH",
                   help="H4 controller socket to hand the link to")
    p.add_argument("--record", metavar="FILE", help="JSON record to write")
    p.add_argument("--chip", action="append", choices=sorted(CHIPS),
                   help="the chip to be (default BCM43430A1); repeat for "
                   "more, switched by command 0xfcf0")
    p.add_argument("--wire-baud-model", action="store_true",
                   help="sleep for the UART wire time of every byte")
    p.add_argument("--init-baud", type=baud_arg, default=115200,
                   help="baud before any 0xfc18 (default 115200)")
    p.add_argument("--bdaddr", type=bdaddr_arg,
                   default=bdaddr_arg(DEFAULT_BDADDR),
                   help=f"BD_ADDR to report (default {DEFAULT_BDADDR})")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    args.chip = args.chip or ["BCM43430A1"]
    signal.signal(signal.SIGTERM, emulib.on_sigterm)
    record = Record(args.record)
    return emulib.serve(PROG, args, record, Session)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
