# SPDX-License-Identifier: GPL-2.0
"""Three-wire UART (H5) framing shared by the project's host-side peers.

A packet on the wire is SLIP-framed: 0xc0 at both ends, 0xc0 inside sent
as 0xdb 0xdc and 0xdb as 0xdb 0xdd. Inside the frame:

  byte 0   seq (bits 0-2), ack (bits 3-5), data integrity check present
           (bit 6), reliable (bit 7)
  byte 1   packet type (bits 0-3), payload length bits 0-3 (bits 4-7)
  byte 2   payload length bits 4-11
  byte 3   header checksum: the four bytes sum to 0xff (mod 256)
  payload  0..4095 bytes
  CRC      only with bit 6: CRC-16-CCITT over header and payload, as Linux
           computes it, bitrev16(crc_ccitt(0xffff, buf, len)), sent most
           significant byte first

Packet types: 0 pure ack, 1 HCI command, 2 ACL, 3 SCO, 4 HCI event, 5 ISO
(Linux's addition), 15 link control. Link control messages (unreliable,
type 15): SYNC 01 7e, SYNC_RSP 02 7d, CONFIG 03 fc <cfg>, CONFIG_RSP
04 7b [<cfg>], WAKEUP 05 fa, WOKEN 06 f9, SLEEP 07 78. The config byte:
bits 0-2 sliding window size (1-7), bit 3 out-of-frame software flow
control, bit 4 data integrity check (CRC), bits 5-6 version.

Decoder is a strict, streaming receiver (it checks the CRC and counts
every kind of damage); KernelRx is a byte-by-byte model of hci_h5.c's
h5_recv() framing, for checking what the Linux host makes of a stream.
"""

SLIP_DELIM = 0xC0
SLIP_ESC = 0xDB
SLIP_ESC_DELIM = 0xDC
SLIP_ESC_ESC = 0xDD

PKT_ACK, PKT_CMD, PKT_ACL, PKT_SCO, PKT_EVT, PKT_ISO = 0, 1, 2, 3, 4, 5
PKT_LINK = 15
RELIABLE_TYPES = frozenset((PKT_CMD, PKT_ACL, PKT_EVT))

SYNC = b"\x01\x7e"
SYNC_RSP = b"\x02\x7d"
CONFIG = b"\x03\xfc"
CONFIG_RSP = b"\x04\x7b"
WAKEUP = b"\x05\xfa"
WOKEN = b"\x06\xf9"
SLEEP = b"\x07\x78"
LINK_NAMES = {SYNC: "sync", SYNC_RSP: "sync_rsp", CONFIG: "config",
              CONFIG_RSP: "config_rsp", WAKEUP: "wakeup", WOKEN: "woken",
              SLEEP: "sleep"}

CFG_WINDOW_MASK = 0x07
CFG_OOF_FLOW = 0x08
CFG_CRC = 0x10
CFG_VERSION_SHIFT = 5

HEADER_LEN = 4
CRC_LEN = 2
MAX_PAYLOAD = 0xFFF
MAX_PACKET = HEADER_LEN + MAX_PAYLOAD + CRC_LEN


# --- CRC ------------------------------------------------------------------

def _crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc_ccitt(crc, data):
    """Linux's crc_ccitt(): reflected CRC-16, polynomial 0x8408, no final
    xor; crc is the initial value."""
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def bitrev16(value):
    return int(f"{value & 0xFFFF:016b}"[::-1], 2)


def h5_crc(data):
    """The H5 data integrity check of header + payload."""
    return bitrev16(crc_ccitt(0xFFFF, data))


# --- config byte ----------------------------------------------------------

def config_byte(window, crc=False, oof_flow=False, version=0):
    return ((window & CFG_WINDOW_MASK) | (CFG_OOF_FLOW if oof_flow else 0)
            | (CFG_CRC if crc else 0) | (version & 3) << CFG_VERSION_SHIFT)


def parse_config(byte):
    """A config byte as a dict: window, oof_flow, crc, version."""
    return {"window": byte & CFG_WINDOW_MASK,
            "oof_flow": bool(byte & CFG_OOF_FLOW),
            "crc": bool(byte & CFG_CRC),
            "version": byte >> CFG_VERSION_SHIFT & 3}


# --- packets --------------------------------------------------------------

def header(seq, ack, crc, reliable, ptype, length):
    """The 4 header bytes, checksum included."""
    if not 0 <= length <= MAX_PAYLOAD:
        raise ValueError(f"payload length {length} out of range")
    b0 = (seq & 7) | (ack & 7) << 3 | bool(crc) << 6 | bool(reliable) << 7
    b1 = (ptype & 0x0F) | (length & 0x0F) << 4
    b2 = length >> 4 & 0xFF
    return bytes((b0, b1, b2, ~(b0 + b1 + b2) & 0xFF))


def header_ok(hdr):
    return sum(hdr[:4]) & 0xFF == 0xFF


class Packet:
    """One H5 packet (unslipped)."""

    __slots__ = ("seq", "ack", "crc", "reliable", "ptype", "payload")

    def __init__(self, ptype, payload=b"", seq=0, ack=0, reliable=False,
                 crc=False):
        self.ptype = ptype
        self.payload = bytes(payload)
        self.seq = seq & 7
        self.ack = ack & 7
        self.reliable = bool(reliable)
        self.crc = bool(crc)

    def to_bytes(self):
        """Header, payload and (if crc) the CRC, before SLIP."""
        raw = header(self.seq, self.ack, self.crc, self.reliable, self.ptype,
                     len(self.payload)) + self.payload
        if self.crc:
            raw += h5_crc(raw).to_bytes(2, "big")
        return raw

    def encode(self):
        """The SLIP frame, delimiters included."""
        return slip_frame(self.to_bytes())

    def __eq__(self, other):
        return isinstance(other, Packet) and all(
            getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __repr__(self):
        flags = ("R" if self.reliable else "") + ("C" if self.crc else "")
        return (f"Packet(type={self.ptype}, seq={self.seq}, ack={self.ack}, "
                f"{flags or '-'}, {self.payload.hex()})")


def link_packet(message, ack=0, crc=False):
    return Packet(PKT_LINK, message, ack=ack, crc=crc)


# --- SLIP -----------------------------------------------------------------

_ESCAPES = {SLIP_DELIM: bytes((SLIP_ESC, SLIP_ESC_DELIM)),
            SLIP_ESC: bytes((SLIP_ESC, SLIP_ESC_ESC))}


def slip_escape(data):
    if SLIP_DELIM not in data and SLIP_ESC not in data:
        return bytes(data)
    return b"".join(_ESCAPES.get(b, bytes((b,))) for b in data)


def slip_frame(data):
    return bytes((SLIP_DELIM,)) + slip_escape(data) + bytes((SLIP_DELIM,))


def slip_unescape(body):
    """Undo the escapes of one frame's body; None if an escape is bad
    (0xdb followed by anything but 0xdc or 0xdd, or last)."""
    if SLIP_ESC not in body:
        return bytes(body)
    out = bytearray()
    it = iter(body)
    for b in it:
        if b != SLIP_ESC:
            out.append(b)
            continue
        nxt = next(it, None)
        if nxt == SLIP_ESC_DELIM:
            out.append(SLIP_DELIM)
        elif nxt == SLIP_ESC_ESC:
            out.append(SLIP_ESC)
        else:
            return None
    return bytes(out)


def parse_packet(raw):
    """(Packet, None) or (None, error) for one unslipped frame body.

    error is one of: truncated (shorter than its header, or than the
    length and CRC its header announces), bad_checksum, overlong (bytes
    after the payload and CRC), bad_crc.
    """
    if len(raw) < HEADER_LEN:
        return None, "truncated"
    if not header_ok(raw):
        return None, "bad_checksum"
    length = (raw[1] >> 4) | raw[2] << 4
    has_crc = bool(raw[0] & 0x40)
    expected = HEADER_LEN + length + (CRC_LEN if has_crc else 0)
    if len(raw) < expected:
        return None, "truncated"
    if len(raw) > expected:
        return None, "overlong"
    if has_crc:
        got = int.from_bytes(raw[-2:], "big")
        if got != h5_crc(raw[:-2]):
            return None, "bad_crc"
    packet = Packet(raw[1] & 0x0F, raw[HEADER_LEN:HEADER_LEN + length],
                    seq=raw[0] & 7, ack=raw[0] >> 3 & 7,
                    reliable=raw[0] & 0x80, crc=has_crc)
    return packet, None


DECODER_ERRORS = ("garbage_bytes", "bad_escape", "truncated", "bad_checksum",
                  "overlong", "bad_crc", "oversize")


class Decoder:
    """Strict streaming H5 receiver: feed() bytes cut anywhere, get whole
    packets back. A frame is what lies between two delimiters; a closing
    delimiter may also open the next frame, and empty frames (c0 c0) are
    nothing. Every rejected frame is counted in counts by its error
    (see parse_packet, plus bad_escape, and oversize for a frame longer
    than any packet can be); bytes before the first delimiter are
    garbage_bytes. counts["frames"] counts good packets and
    counts["discarded_bytes"] the wire bytes of everything rejected."""

    def __init__(self):
        self.in_frame = False
        self.partial = bytearray()
        self.overflow = 0
        self.counts = dict.fromkeys(DECODER_ERRORS + ("frames",
                                                      "discarded_bytes"), 0)
        self.errors = []      # (error, frame body) of the last feed()

    def errors_total(self):
        return sum(self.counts[k] for k in DECODER_ERRORS
                   if k != "garbage_bytes")

    def feed(self, data):
        """Return the list of Packets completed by data."""
        self.errors = []
        out = []
        pos = 0
        data = bytes(data)
        while True:
            i = data.find(SLIP_DELIM, pos)
            piece = data[pos:] if i < 0 else data[pos:i]
            if self.in_frame:
                if len(self.partial) + len(piece) <= 2 * MAX_PACKET:
                    self.partial += piece
                else:           # longer than any escaped packet: skip
                    self.overflow += len(piece)
            elif piece:
                self.counts["garbage_bytes"] += len(piece)
                self.counts["discarded_bytes"] += len(piece)
            if i < 0:
                return out
            if self.in_frame and (self.partial or self.overflow):
                packet = self._finish(bytes(self.partial))
                if packet is not None:
                    out.append(packet)
                self.partial.clear()
                self.overflow = 0
            self.in_frame = True
            pos = i + 1

    def _finish(self, body):
        raw = slip_unescape(body)
        if self.overflow:
            error = "oversize"
        elif raw is None:
            error = "bad_escape"
        elif len(raw) > MAX_PACKET:
            error = "oversize"
        else:
            packet, error = parse_packet(raw)
            if packet is not None:
                self.counts["frames"] += 1
                return packet
        self.counts[error] += 1
        self.counts["discarded_bytes"] += len(body) + self.overflow + 1
        self.errors.append((error, body))
        return None


class KernelRx:
    """hci_h5.c's receive path, byte by byte (Linux 6.12 h5_recv() and its
    rx_func states), for checking what the Linux host makes of a stream.

    Like the kernel it does not check the CRC, completes a packet at the
    first byte after its payload (and CRC) whatever that byte is, drops a
    reliable packet whose seq is not the next expected one ("Out-of-order
    packet arrived", then re-acks), and before the link is active drops
    every packet but link control. feed() returns events: ("packet",
    Packet) or ("error", name) with name one of too_short, bad_escape,
    bad_checksum, out_of_order, non_link_inactive."""

    def __init__(self, active=True, tx_ack=0):
        self.active = active
        self.tx_ack = tx_ack
        self.ack_requested = 0
        self._reset_rx()

    def _reset_rx(self):
        self.state = "delimiter"
        self.pending = 0
        self.esc = False
        self.skb = None

    def feed(self, data):
        events = []
        data = bytes(data)
        i = 0
        while i < len(data):
            c = data[i]
            if self.pending > 0:
                if c == SLIP_DELIM:
                    events.append(("error", "too_short"))
                    self._reset_rx()
                    continue
                self._unslip(c, events)
                i += 1
                continue
            i += self._step(c, events)
        return events

    def _unslip(self, c, events):
        if not self.esc and c == SLIP_ESC:
            self.esc = True
            return
        if self.esc:
            self.esc = False
            if c == SLIP_ESC_DELIM:
                c = SLIP_DELIM
            elif c == SLIP_ESC_ESC:
                c = SLIP_ESC
            else:
                events.append(("error", "bad_escape"))
                self._reset_rx()
                return
        self.skb.append(c)
        self.pending -= 1

    def _step(self, c, events):
        """One rx_func call; returns the bytes it consumed (0 or 1)."""
        if self.state == "delimiter":
            if c == SLIP_DELIM:
                self.state = "start"
            return 1
        if self.state == "start":
            if c == SLIP_DELIM:
                return 1
            self.state, self.pending, self.skb = "header", 4, bytearray()
            return 0
        hdr = self.skb
        if self.state == "header":
            if not header_ok(hdr):
                events.append(("error", "bad_checksum"))
                self._reset_rx()
                return 0
            if hdr[0] & 0x80 and hdr[0] & 7 != self.tx_ack:
                events.append(("error", "out_of_order"))
                self.ack_requested += 1
                self._reset_rx()
                return 0
            if not self.active and hdr[1] & 0x0F != PKT_LINK:
                events.append(("error", "non_link_inactive"))
                self._reset_rx()
                return 0
            self.state = "payload"
            self.pending = (hdr[1] >> 4) | hdr[2] << 4
            return 0
        if self.state == "payload" and hdr[0] & 0x40:
            self.state, self.pending = "crc", 2
            return 0
        # payload without CRC, or CRC: the packet is complete
        if hdr[0] & 0x80:
            self.tx_ack = (self.tx_ack + 1) % 8
            self.ack_requested += 1
        length = (hdr[1] >> 4) | hdr[2] << 4
        events.append(("packet", Packet(
            hdr[1] & 0x0F, bytes(hdr[4:4 + length]), seq=hdr[0] & 7,
            ack=hdr[0] >> 3 & 7, reliable=hdr[0] & 0x80,
            crc=hdr[0] & 0x40)))
        self._reset_rx()
        return 0
