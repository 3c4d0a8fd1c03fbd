#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a Broadcom .hcd firmware file for tests.

An .hcd file is a plain sequence of HCI command records:
opcode (le16), parameter length (u8), parameters. This writes Write RAM
(0xfc4c) records of le32 address + up to 251 bytes of pseudo-random data,
then one Launch RAM (0xfc4e) record of a le32 address.

Fault options damage the end of the file for validation tests:
  --truncate-final N   cut N bytes (1..6) off the end: the Launch RAM
                       record's header says more than the file holds
  --overrun-length L   give the Launch RAM record length byte L (5..255):
                       it runs past the end of the file

A one-line JSON summary goes to stdout: records, bytes, sha256 of the
data, addresses, file size and, for a fault, where the damage is.
"""

import argparse
import hashlib
import json
import random
import struct
import sys

WRITE_RAM = 0xFC4C
LAUNCH_RAM = 0xFC4E
MAX_DATA = 251
LAUNCH_LEN = 4
LAUNCH_RECORD_SIZE = 3 + LAUNCH_LEN


def record(opcode, params):
    """One HCI command record, without an H4 type byte."""
    return struct.pack("<HB", opcode, len(params)) + params


def write_ram_records(data, base, chunk):
    """Split data into Write RAM records starting at address base."""
    out = []
    for off in range(0, len(data), chunk):
        params = struct.pack("<I", (base + off) & 0xFFFFFFFF)
        out.append(record(WRITE_RAM, params + data[off:off + chunk]))
    return out


def build(args):
    """Return (file bytes, summary dict) for the parsed options."""
    data = random.Random(args.seed).randbytes(args.size)
    recs = write_ram_records(data, args.base, args.chunk)
    body = b"".join(recs)
    launch = record(LAUNCH_RAM, struct.pack("<I", args.launch))
    summary = {
        "write_ram_records": len(recs),
        "write_ram_bytes": len(data),
        "write_ram_sha256": hashlib.sha256(data).hexdigest(),
        "first_address": args.base if data else None,
        "last_address": (args.base + (len(recs) - 1) * args.chunk) & 0xFFFFFFFF
        if data else None,
        "launch_address": args.launch,
        "fault": None,
    }
    launch, summary["fault"] = apply_fault(args, launch, len(body))
    blob = body + launch
    summary["file_size"] = len(blob)
    return blob, summary


def apply_fault(args, launch, offset):
    """Damage the Launch RAM record at file offset; describe the damage."""
    if args.truncate_final:
        cut = args.truncate_final
        fault = {"kind": "truncated-final-record", "record_offset": offset,
                 "declared_length": LAUNCH_LEN,
                 "present_bytes": LAUNCH_RECORD_SIZE - cut, "cut_bytes": cut}
        return launch[:-cut], fault
    if args.overrun_length:
        length = args.overrun_length
        fault = {"kind": "length-overrun", "record_offset": offset,
                 "declared_length": length, "available_params": LAUNCH_LEN,
                 "overrun_bytes": length - LAUNCH_LEN}
        return launch[:2] + bytes([length]) + launch[3:], fault
    return launch, None


def int_range(lo, hi):
    """argparse type: an integer (any base) within [lo, hi]."""
    def parse(text):
        value = int(text, 0)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} not in {lo}..{hi}")
        return value
    return parse


def parse_args(argv):
    p = argparse.ArgumentParser(description="Write a Broadcom .hcd test file.")
    p.add_argument("-o", "--output", required=True, help="file to write")
    p.add_argument("--size", type=int_range(0, 1 << 26), default=4096,
                   help="Write RAM payload bytes (default 4096)")
    p.add_argument("--seed", type=int_range(0, 1 << 64), default=0,
                   help="pseudo-random data seed (default 0)")
    p.add_argument("--base", type=int_range(0, 0xFFFFFFFF), default=0x00218000,
                   help="first Write RAM address (default 0x00218000)")
    p.add_argument("--launch", type=int_range(0, 0xFFFFFFFF),
                   default=0xFFFFFFFF,
                   help="Launch RAM address (default 0xffffffff)")
    p.add_argument("--chunk", type=int_range(1, MAX_DATA), default=MAX_DATA,
                   help="data bytes per Write RAM record (default 251)")
    fault = p.add_mutually_exclusive_group()
    fault.add_argument("--truncate-final", type=int_range(1, 6), metavar="N",
                       help="cut N bytes off the final record")
    fault.add_argument("--overrun-length", type=int_range(5, 255), metavar="L",
                       help="final record's length byte L, past end of file")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    blob, summary = build(args)
    with open(args.output, "wb") as f:
        f.write(blob)
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
