# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/peers/h5lib.py, the three-wire UART (H5) framing.

Run from the repository root:
  /usr/bin/python3 -m unittest discover -s tests/peers -p 'test_*.py'
"""

import itertools
import os
import random
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "scripts", "peers"))
import h5lib as h5  # noqa: E402


def crc16_msb_first(data):
    """An independent H5 CRC: the CCITT polynomial 0x1021 fed bit by bit,
    least significant bit of each byte first (the UART order), register
    0xffff, no final xor; the register is what H5 sends, MSB first."""
    crc = 0xFFFF
    for byte in data:
        for bit in range(8):
            top = (crc >> 15) ^ (byte >> bit & 1)
            crc = (crc << 1) & 0xFFFF
            if top:
                crc ^= 0x1021
    return crc


def cut(data, cuts):
    """data split at the sorted offsets in cuts."""
    points = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(points, points[1:])]


class CrcTest(unittest.TestCase):
    def test_crc_ccitt_check_value(self):
        # Linux crc_ccitt(0xffff, "123456789") (CRC-16/MCRF4XX check)
        self.assertEqual(h5.crc_ccitt(0xFFFF, b"123456789"), 0x6F91)
        self.assertEqual(h5.crc_ccitt(0, b""), 0)

    def test_bitrev16(self):
        self.assertEqual(h5.bitrev16(0x0001), 0x8000)
        self.assertEqual(h5.bitrev16(0x6F91), 0x89F6)
        self.assertEqual(h5.bitrev16(0xFFFF), 0xFFFF)

    def test_h5_crc_matches_bitwise_model(self):
        rng = random.Random(1)
        samples = [b"", b"\x00", b"123456789", bytes(range(256))]
        samples += [rng.randbytes(rng.randrange(1, 64)) for _ in range(50)]
        for data in samples:
            self.assertEqual(h5.h5_crc(data), crc16_msb_first(data),
                             data.hex())
        self.assertEqual(h5.h5_crc(b"123456789"), 0x89F6)

    def test_crc_is_appended_big_endian(self):
        p = h5.Packet(h5.PKT_EVT, b"\x0e\x04\x01\x03\x0c\x00", seq=2, ack=5,
                      reliable=True, crc=True)
        raw = p.to_bytes()
        self.assertEqual(raw[0], 0x80 | 0x40 | 5 << 3 | 2)
        crc = crc16_msb_first(raw[:-2])
        self.assertEqual(raw[-2:], bytes((crc >> 8, crc & 0xFF)))


class HeaderTest(unittest.TestCase):
    def test_well_known_frames(self):
        # The SYNC every H5 host sends first, and a pure ack (ack 1).
        self.assertEqual(h5.link_packet(h5.SYNC).encode(),
                         bytes.fromhex("c0002f00d0017ec0"))
        self.assertEqual(h5.Packet(h5.PKT_ACK, ack=1).encode(),
                         bytes.fromhex("c0080000f7c0"))
        # CONFIG's header checksum is 0xc0 itself: escaped.
        self.assertEqual(h5.link_packet(h5.CONFIG + b"\x04").encode(),
                         bytes.fromhex("c0003f00dbdc03fc04c0"))

    def test_fields(self):
        hdr = h5.header(seq=5, ack=3, crc=True, reliable=True, ptype=2,
                        length=0x123)
        self.assertEqual(hdr[0], 0x80 | 0x40 | 3 << 3 | 5)
        self.assertEqual(hdr[1], 0x32)
        self.assertEqual(hdr[2], 0x12)
        self.assertEqual(sum(hdr) & 0xFF, 0xFF)
        self.assertTrue(h5.header_ok(hdr))
        self.assertFalse(h5.header_ok(hdr[:3] + bytes(((hdr[3] + 1) & 0xFF,))))
        with self.assertRaises(ValueError):
            h5.header(0, 0, False, False, 1, 0x1000)

    def test_config_byte(self):
        self.assertEqual(h5.config_byte(4), 0x04)
        self.assertEqual(h5.config_byte(7, crc=True, oof_flow=True,
                                        version=1), 0x3F)
        self.assertEqual(h5.parse_config(0x14), {
            "window": 4, "oof_flow": False, "crc": True, "version": 0})

    def test_round_trip(self):
        rng = random.Random(2)
        for _ in range(200):
            p = h5.Packet(rng.choice((0, 1, 2, 3, 4, 15)),
                          rng.randbytes(rng.randrange(0, 300)),
                          seq=rng.randrange(8), ack=rng.randrange(8),
                          reliable=rng.random() < 0.5,
                          crc=rng.random() < 0.5)
            frame = p.encode()
            self.assertEqual(frame.count(h5.SLIP_DELIM), 2)
            self.assertEqual(h5.parse_packet(
                h5.slip_unescape(frame[1:-1])), (p, None))

    def test_escaping(self):
        self.assertEqual(h5.slip_escape(b"\xc0\xdb\x01"),
                         b"\xdb\xdc\xdb\xdd\x01")
        self.assertEqual(h5.slip_unescape(b"\xdb\xdc\xdb\xdd\x01"),
                         b"\xc0\xdb\x01")
        self.assertIsNone(h5.slip_unescape(b"\xdb\x01"))
        self.assertIsNone(h5.slip_unescape(b"\x01\xdb"))
        # A header whose first byte is 0xc0 (reliable, CRC, seq 0, ack 0).
        p = h5.Packet(h5.PKT_CMD, b"\xdb\xc0", reliable=True, crc=True)
        frame = p.encode()
        self.assertEqual(frame[1:3], b"\xdb\xdc")
        self.assertEqual(h5.Decoder().feed(frame), [p])


def sample_stream():
    """Frames covering escapes, CRC, empty payloads, the maximum length."""
    packets = [
        h5.link_packet(h5.SYNC),
        h5.Packet(h5.PKT_CMD, b"\x03\x0c\x00", seq=0, ack=0, reliable=True),
        h5.Packet(h5.PKT_EVT, b"\x0e\x04\x01\xc0\xdb\x00", seq=0, ack=1,
                  reliable=True, crc=True),
        h5.Packet(h5.PKT_ACK, ack=1),
        h5.Packet(h5.PKT_ACL, (bytes(range(256)) * 16)[:-1], seq=7, ack=6,
                  reliable=True, crc=True),
        h5.link_packet(h5.CONFIG_RSP + b"\x14", ack=3, crc=True),
    ]
    return packets, b"".join(p.encode() for p in packets)


class DecoderTest(unittest.TestCase):
    def decode(self, pieces):
        d = h5.Decoder()
        out = []
        for piece in pieces:
            out += d.feed(piece)
        return out, d

    def test_every_single_and_double_cut(self):
        packets, stream = sample_stream()
        self.assertEqual(len(packets[4].payload), h5.MAX_PAYLOAD)
        short = b"".join(p.encode() for p in packets[:4] + packets[5:])
        for i in range(len(stream) + 1):
            got, d = self.decode(cut(stream, [i]))
            self.assertEqual(got, packets, f"cut at {i}")
            self.assertEqual(d.errors_total(), 0)
        for i, j in itertools.combinations(range(len(short) + 1), 2):
            got, _ = self.decode(cut(short, [i, j]))
            self.assertEqual(len(got), 5, f"cuts at {i}, {j}")

    def test_every_chunking_of_a_short_stream(self):
        packets = [h5.link_packet(h5.SYNC), h5.Packet(h5.PKT_ACK, ack=1)]
        stream = b"".join(p.encode() for p in packets) + b"\xc0"
        n = len(stream)
        self.assertEqual(n, 15)
        for mask in range(1 << (n - 1)):
            cuts = [i + 1 for i in range(n - 1) if mask >> i & 1]
            got, d = self.decode(cut(stream, cuts))
            self.assertEqual(got, packets, f"cuts {cuts}")
            self.assertEqual(d.errors_total() + d.counts["garbage_bytes"], 0)

    def test_byte_by_byte_and_random_chunks(self):
        packets, stream = sample_stream()
        got, _ = self.decode([bytes((b,)) for b in stream])
        self.assertEqual(got, packets)
        rng = random.Random(3)
        for _ in range(30):
            cuts = sorted(rng.sample(range(1, len(stream)), 40))
            self.assertEqual(self.decode(cut(stream, cuts))[0], packets)

    def test_garbage_between_frames(self):
        packets, _ = sample_stream()
        frames = [p.encode() for p in packets]
        junk = [b"\x01\x02\x03\x04\x05", b"\xc0\xc0\xc0", b"\x11\xc0\x22",
                b"", b"\x00" * 50, b"\xdb\xdc\xdb"]
        stream = b"garbage!" + b"".join(f + j for f, j in zip(frames, junk))
        for size in (1, 2, 7, 64, len(stream)):
            with self.subTest(chunk=size):
                got, d = self.decode(stream[i:i + size]
                                     for i in range(0, len(stream), size))
                self.assertEqual(got, packets)
                # Before the first delimiter: garbage. Between frames:
                # bodies that are no packet (5 bytes with a bad
                # checksum, 0x11 and 0x22 too short, 50 zero bytes with a
                # bad checksum); the trailing junk is never closed.
                self.assertEqual(d.counts["garbage_bytes"], 8)
                self.assertEqual(d.counts["frames"], len(packets))
                self.assertEqual((d.counts["bad_checksum"],
                                  d.counts["truncated"]), (2, 2))
                self.assertEqual(d.errors_total(), 4)

    def test_each_error_counted_and_skipped(self):
        good = h5.Packet(h5.PKT_CMD, b"\x01\x10\x00", reliable=True)
        raw = good.to_bytes()
        with_crc = h5.Packet(h5.PKT_CMD, b"\x01\x10\x00", reliable=True,
                             crc=True).to_bytes()
        bad_sum = bytearray(raw)
        bad_sum[3] ^= 1
        bad_crc = bytearray(with_crc)
        bad_crc[-1] ^= 1
        cases = {
            "bad_checksum": h5.slip_frame(bad_sum),
            "bad_crc": h5.slip_frame(bad_crc),
            "truncated": h5.slip_frame(raw[:-1]),
            "overlong": h5.slip_frame(raw + b"\x00"),
            "bad_escape": b"\xc0" + raw[:4] + b"\xdb\x05\xc0",
            "oversize": b"\xc0" + b"\x01" * (3 * h5.MAX_PACKET) + b"\xc0",
        }
        for error, frame in cases.items():
            with self.subTest(error=error):
                stream = frame + good.encode()
                for size in (1, 3, len(stream)):
                    got, d = self.decode(stream[i:i + size]
                                         for i in range(0, len(stream), size))
                    self.assertEqual(got, [good])
                    self.assertEqual(d.counts[error], 1)
                    self.assertEqual(d.errors_total(), 1)
        got, d = self.decode([b"\xc0\x01\x02\xc0" + good.encode()])
        self.assertEqual((got, d.counts["truncated"]), ([good], 1))

    def test_truncated_by_next_delimiter(self):
        """A frame cut short by the next frame's delimiter: counted, and
        the next frame still comes through."""
        good = h5.Packet(h5.PKT_ACL, b"x" * 40, reliable=True, seq=3)
        frame = good.encode()
        got, d = self.decode([frame[:20], frame])
        self.assertEqual(got, [good])
        self.assertEqual(d.counts["truncated"], 1)


class KernelRxTest(unittest.TestCase):
    """The model of hci_h5.c's receiver."""

    def test_accepts_what_decoder_accepts(self):
        packets, stream = sample_stream()
        k = h5.KernelRx(active=True, tx_ack=0)
        # sample_stream's reliable packets have seq 0, 0, 7: the kernel
        # drops the second 0 and the 7 as out of order.
        events = k.feed(stream)
        got = [e[1] for e in events if e[0] == "packet"]
        self.assertEqual(got, [packets[i] for i in (0, 1, 3, 5)])
        self.assertEqual([e[1] for e in events if e[0] == "error"],
                         ["out_of_order", "out_of_order"])

    def test_completes_on_next_byte(self):
        frame = h5.link_packet(h5.SYNC).encode()
        k = h5.KernelRx(active=False)
        self.assertEqual(k.feed(frame[:-1]), [])
        self.assertEqual(k.feed(frame[-1:])[0][0], "packet")

    def test_errors(self):
        k = h5.KernelRx(active=False)
        cmd = h5.Packet(h5.PKT_CMD, b"\x03\x0c\x00", reliable=True).encode()
        self.assertEqual(k.feed(cmd), [("error", "non_link_inactive")])
        k.active = True
        bad = bytearray(h5.Packet(h5.PKT_ACK).to_bytes())
        bad[3] ^= 0x10
        self.assertEqual(k.feed(h5.slip_frame(bad)),
                         [("error", "bad_checksum")])
        self.assertEqual(k.feed(b"\xc0\x01\x02\xc0"),
                         [("error", "too_short")])
        evt = h5.Packet(h5.PKT_EVT, b"\x0e\x00", seq=3, reliable=True)
        self.assertEqual(k.feed(evt.encode()), [("error", "out_of_order")])
        ok = h5.Packet(h5.PKT_EVT, b"\x0e\x00", seq=0, reliable=True)
        self.assertEqual(k.feed(ok.encode()), [("packet", ok)])
        self.assertEqual(k.tx_ack, 1)

    def test_crc_not_checked(self):
        raw = bytearray(h5.Packet(h5.PKT_ACK, crc=True).to_bytes())
        raw[-1] ^= 0xFF
        self.assertEqual(h5.KernelRx().feed(h5.slip_frame(raw))[0][0],
                         "packet")
        self.assertEqual(h5.Decoder().feed(h5.slip_frame(raw)), [])


if __name__ == "__main__":
    unittest.main()
