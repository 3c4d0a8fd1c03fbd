# SPDX-License-Identifier: GPL-2.0
"""H4 (HCI UART transport) framing shared by the project's host-side peers."""

H4_CMD, H4_ACL, H4_SCO, H4_EVT = 0x01, 0x02, 0x03, 0x04
# H4 type -> (header length, offset of length field, size of length field)
H4_HEADERS = {H4_CMD: (3, 2, 1), H4_ACL: (4, 2, 2),
              H4_SCO: (3, 2, 1), H4_EVT: (2, 1, 1)}


class H4Parser:
    """Reassemble H4 packets from a byte stream cut anywhere."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data

    def next_packet(self):
        """Return (type, raw bytes) of the next whole packet, or None.

        A byte that starts no known packet type comes back alone with
        type None, so the caller can count it and the stream resyncs.
        """
        if not self.buf:
            return None
        ptype = self.buf[0]
        if ptype not in H4_HEADERS:
            return self._take(None, 1)
        hlen, loff, lsize = H4_HEADERS[ptype]
        if len(self.buf) < 1 + hlen:
            return None
        plen = int.from_bytes(self.buf[1 + loff:1 + loff + lsize], "little")
        if len(self.buf) < 1 + hlen + plen:
            return None
        return self._take(ptype, 1 + hlen + plen)

    def _take(self, ptype, size):
        raw = bytes(self.buf[:size])
        del self.buf[:size]
        return ptype, raw
