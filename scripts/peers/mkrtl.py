#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write synthetic Realtek Bluetooth firmware and config files for tests.

  mkrtl.py --chip rtl8723bs|rtl8723ds --out DIR [--speed BAUD]
           [--flow | --no-flow] [--damage KIND] [--patch-size N]
           [--seed N] [--fw-version N] [--json FILE]

Writes DIR/rtl_bt/<chip>_fw.bin and DIR/rtl_bt/<chip>_config.bin, the
names Linux 6.12 btrtl's ic_id_table gives the chip on a UART
(rtl_bt/rtl8723bs_fw + .bin, rtl_bt/rtl8723bs_config + .bin; the same
with rtl8723ds), in the formats btrtl reads:

  firmware  the "Realtech" epatch v1 layout rtlbt_parse_firmware()
            accepts: signature, le32 fw_version, le16 num_patches, then
            num_patches le16 chip ids, le16 patch lengths and le32 patch
            offsets, the patches, and at the end the extension section,
            read backwards from its signature 51 04 fd 77: one
            instruction, opcode 0 length 1, carrying the project id
            (1 for RTL8723B, 9 for RTL8723D; both map to lmp_subver
            0x8723). One patch per chip id 1..3, i.e. for ROM versions
            0..2 (btrtl picks chip id = ROM version + 1), so also the one
            for the emulator's ROM version (rtl-emu.py: 1 for rtl8723bs,
            2 for rtl8723ds). The patches are pseudo-random (--seed);
            the selected one is --patch-size bytes long.
  config    le32 magic 0x8723ab55, le16 total_len, then entries (le16
            offset, u8 len, data): the UART entry at offset 0x000c
            (16 bytes: the le32 Realtek speed word for --speed, as
            btrtl_convert_baudrate() maps them, and flow control in
            data[12] bit 2, as btrtl_get_uart_settings() reads it) and
            two entries btrtl skips.

btrtl downloads the selected patch with its last 4 bytes replaced by the
header's fw_version, followed by the whole config file
(btrtl_setup_rtl8723b()), in 252-byte fragments. That image's length and
SHA-256 are in the JSON summary printed on stdout (and written to
--json FILE), so a test can compare them with rtl-emu.py's record.

--damage makes a file btrtl refuses before any download command (0xfc20)
is sent; the summary's refused_by names the check:
  truncated-fw   the firmware cut to half its size
  bad-signature  the epatch signature is not "Realtech"
  truncated-cfg  the config loses the last bytes of its last entry
  bad-cfg-magic  the config's magic is wrong

The chip table and speed words are shared with rtl-emu.py, which imports
this module.
"""

import argparse
import hashlib
import json
import os
import random
import struct
import sys

EPATCH_SIGNATURE = b"Realtech"
EXTENSION_SIG = bytes((0x51, 0x04, 0xFD, 0x77))
CONFIG_MAGIC = 0x8723AB55
UART_CONFIG_OFFSET = 0x000C
FRAG_LEN = 252                 # RTL_FRAG_LEN
REALTEK = 0x005D               # Bluetooth SIG company id


class RtlChip:
    """A chip as btrtl sees it on a UART (HCI_UART) and as the emulator
    plays it."""

    def __init__(self, lmp_subver, hci_rev, hci_ver, rom_version,
                 project_id, name, fw_version):
        self.lmp_subver = lmp_subver
        self.hci_rev = hci_rev
        self.hci_ver = hci_ver
        self.rom_version = rom_version
        self.project_id = project_id
        self.fw_name = f"rtl_bt/{name}_fw.bin"
        self.cfg_name = f"rtl_bt/{name}_config.bin"
        self.fw_version = fw_version


# lmp_subver, hci_rev and hci_ver as btrtl's ic_id_table has them for
# HCI_UART (8723BS: 0x8723 / 0xb / 0x6; 8723DS: 0x8723 / 0xd / 0x8). The
# ROM versions are the emulator's (real modules report small numbers
# like these). The fw_version is made up; once patched the emulated chip
# reports it as hci_rev (high half) and lmp_subver (low half), as real
# patched chips report their firmware's version, and 0x0b01 / 0x0d01 are
# no lmp_subver btrtl knows (so a second btrtl_initialize() on a patched
# chip takes btrtl's drop_fw path).
CHIPS = {
    "rtl8723bs": RtlChip(0x8723, 0x000B, 0x06, 1, 1, "rtl8723bs", 0x5EED0B01),
    "rtl8723ds": RtlChip(0x8723, 0x000D, 0x08, 2, 9, "rtl8723ds", 0x5EED0D01),
}

# Linux 6.12 btrtl_convert_baudrate(): Realtek speed word -> baud. Any
# other word makes the host pick 115200 (the emulated chip refuses it).
WORD_SPEEDS = {
    0x0252C014: 115200, 0x0252A00A: 230400, 0x05F75004: 921600,
    0x00005004: 1000000, 0x04928002: 1500000, 0x01128002: 1500000,
    0x00005002: 2000000, 0x0000B001: 2500000, 0x04928001: 3000000,
    0x052A6001: 3500000, 0x00005001: 4000000,
}
SPEED_WORDS = {}
for _word, _speed in WORD_SPEEDS.items():
    SPEED_WORDS.setdefault(_speed, _word)

PATCH_CHIP_IDS = (1, 2, 3)
DAMAGES = ("none", "truncated-fw", "bad-signature", "truncated-cfg",
           "bad-cfg-magic")


class Refused(Exception):
    """btrtl would refuse the files; the message names the check."""


# --- writing --------------------------------------------------------------

def build_firmware(chip, patch_size, seed, fw_version):
    """The epatch v1 file: one patch per chip id in PATCH_CHIP_IDS."""
    rng = random.Random(seed)
    selected = chip.rom_version + 1
    sizes = [patch_size if cid == selected else patch_size // 2 + 13 * cid
             for cid in PATCH_CHIP_IDS]
    patches = [rng.randbytes(size) for size in sizes]
    n = len(PATCH_CHIP_IDS)
    offset = len(EPATCH_SIGNATURE) + 4 + 2 + 8 * n
    offsets = []
    for patch in patches:
        offsets.append(offset)
        offset += len(patch)
    head = EPATCH_SIGNATURE + struct.pack("<IH", fw_version, n)
    head += struct.pack(f"<{n}H", *PATCH_CHIP_IDS)
    head += struct.pack(f"<{n}H", *sizes)
    head += struct.pack(f"<{n}I", *offsets)
    # The extension section, read backwards by btrtl: data, length,
    # opcode before the signature; opcode 0 length 1 is the project id.
    tail = bytes((chip.project_id, 1, 0)) + EXTENSION_SIG
    return head + b"".join(patches) + tail


def config_entry(offset, data):
    return struct.pack("<HB", offset, len(data)) + data


def build_config(speed_word, flow):
    # UART entry: speed word, then bytes btrtl does not read, data[12]
    # carries flow control in bit 2.
    uart = bytearray(struct.pack("<I", speed_word))
    uart += bytes((0x50, 0xC5, 0xEA, 0x19, 0xE1, 0x1B, 0xFD, 0xAF))
    uart += bytes((0x5B | (0x04 if flow else 0), 0x01, 0xA4, 0x0B))
    entries = (config_entry(0x00F4, b"\x01")            # skipped by btrtl
               + config_entry(UART_CONFIG_OFFSET, bytes(uart))
               + config_entry(0x01C4, b"\x0a\x00\x00\x00"))  # skipped too
    return struct.pack("<IH", CONFIG_MAGIC, len(entries)) + entries


def damage(kind, fw, cfg):
    """Return damaged (fw, cfg) for kind.

    In Linux 6.12's h5_btrtl_setup() the config is read by
    btrtl_get_uart_settings() before the speed command 0xfc17, the
    firmware by rtlbt_parse_firmware() (from btrtl_download_firmware())
    after it, and both before the first 0xfc20.
    """
    if kind == "truncated-fw":
        # A copy cut short: the file no longer ends in 51 04 fd 77, so
        # rtlbt_parse_firmware() fails "extension section signature
        # mismatch" (-EINVAL). The new end must not happen to be the
        # signature.
        cut = len(fw) // 2
        while fw[cut - 4:cut] == EXTENSION_SIG:
            cut -= 1
        return fw[:cut], cfg
    if kind == "bad-signature":
        # Neither "Realtech" nor "RTBTCore": rtlbt_parse_firmware()
        # returns -EINVAL at its first check, without a message.
        return b"Realtek!" + fw[8:], cfg
    if kind == "truncated-cfg":
        # total_len now exceeds the entries present:
        # btrtl_get_uart_settings() "config is too short" (-EINVAL).
        return fw, cfg[:-3]
    if kind == "bad-cfg-magic":
        # btrtl_get_uart_settings() "invalid config magic" (-EINVAL).
        return fw, struct.pack("<I", CONFIG_MAGIC ^ 1) + cfg[4:]
    return fw, cfg


# --- btrtl's reading (Linux 6.12), for the summary -----------------------

def uart_settings(cfg):
    """btrtl_get_uart_settings(): (speed word, baud, flow control)."""
    total_data_len = len(cfg) - 6
    if total_data_len <= 0:
        raise Refused("btrtl_get_uart_settings: no config loaded")
    magic, total_len = struct.unpack_from("<IH", cfg)
    if magic != CONFIG_MAGIC:
        # refuses bad-cfg-magic
        raise Refused("btrtl_get_uart_settings: invalid config magic")
    if total_data_len < total_len:
        # refuses truncated-cfg
        raise Refused("btrtl_get_uart_settings: config is too short")
    found, i = None, 0
    while i < total_data_len:
        offset, length = struct.unpack_from("<HB", cfg, 6 + i)
        data = cfg[6 + i + 3:6 + i + 3 + length]
        if offset == UART_CONFIG_OFFSET:
            if length < 4:
                raise Refused("btrtl_get_uart_settings: invalid UART "
                              "config entry")
            word = struct.unpack_from("<I", data)[0]
            flow = length >= 13 and bool(data[12] & 0x04)
            found = (word, WORD_SPEEDS.get(word, 115200), flow)
        i += 3 + length
    if found is None:
        raise Refused("btrtl_get_uart_settings: no UART config entry found")
    return found


def parse_firmware(fw, chip):
    """rtlbt_parse_firmware() for an epatch v1 file: the patch btrtl
    downloads (fw_version in its last 4 bytes)."""
    if len(fw) <= 8:
        raise Refused("rtlbt_parse_firmware: file too short")
    if fw[:8] != EPATCH_SIGNATURE:
        # refuses bad-signature (btrtl returns -EINVAL, no message)
        raise Refused("rtlbt_parse_firmware: neither Realtech nor "
                      "RTBTCore signature")
    min_size = 14 + 4 + 3
    if len(fw) < min_size:
        raise Refused("rtlbt_parse_firmware: file too short")
    if fw[-4:] != EXTENSION_SIG:
        # refuses truncated-fw
        raise Refused("rtlbt_parse_firmware: extension section signature "
                      "mismatch")
    pos, project_id = len(fw) - 4, None
    while pos >= 14 + 3:
        opcode, length, data = fw[pos - 1], fw[pos - 2], fw[pos - 3]
        pos -= 3
        if opcode == 0xFF:
            break
        if length == 0:
            raise Refused("rtlbt_parse_firmware: found instruction with "
                          "length 0")
        if opcode == 0 and length == 1:
            project_id = data
            break
        pos -= length
    if project_id is None:
        raise Refused("rtlbt_parse_firmware: failed to find version "
                      "instruction")
    if project_id not in (1, 9):
        raise Refused(f"rtlbt_parse_firmware: firmware is not for 8723 "
                      f"(project id {project_id})")
    fw_version, num = struct.unpack_from("<IH", fw, 8)
    if len(fw) < min_size + 8 * num:
        raise Refused("rtlbt_parse_firmware: patch table past the end")
    ids = struct.unpack_from(f"<{num}H", fw, 14)
    lengths = struct.unpack_from(f"<{num}H", fw, 14 + 2 * num)
    offsets = struct.unpack_from(f"<{num}I", fw, 14 + 4 * num)
    for cid, length, offset in zip(ids, lengths, offsets):
        if cid == chip.rom_version + 1:
            break
    else:
        length = offset = 0
    if not offset:
        raise Refused(f"rtlbt_parse_firmware: didn't find patch for chip "
                      f"id {chip.rom_version}")
    if length < 4 or offset > len(fw) or length > len(fw) - offset:
        raise Refused("rtlbt_parse_firmware: patch past the end")
    return fw[offset:offset + length - 4] + struct.pack("<I", fw_version)


def btrtl_image(fw, cfg, chip):
    """What Linux 6.12 h5_btrtl_setup() + btrtl download for these files:
    dict(speed_word, speed, flow_control, patch_length, image), or
    Refused. The config is checked first, as h5_btrtl_setup() calls
    btrtl_get_uart_settings() before btrtl_download_firmware()."""
    word, speed, flow = uart_settings(cfg)
    patch = parse_firmware(fw, chip)
    return {"speed_word": word, "speed": speed, "flow_control": flow,
            "patch_length": len(patch), "image": patch + cfg}


def fragments(length):
    """rtl_download_firmware(): fragment count and the last one's data
    bytes (0 when length is a multiple of 252)."""
    return length // FRAG_LEN + 1, length % FRAG_LEN


# --- command line ---------------------------------------------------------

def int_range(lo, hi):
    def parse(text):
        value = int(text, 0)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} not in {lo}..{hi}")
        return value
    return parse


def speed_arg(text):
    value = int(text, 0)
    if value not in SPEED_WORDS:
        raise argparse.ArgumentTypeError(
            f"{text}: btrtl knows " + ", ".join(map(str, sorted(SPEED_WORDS))))
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write synthetic Realtek Bluetooth firmware and config.")
    p.add_argument("--chip", choices=sorted(CHIPS), default="rtl8723bs",
                   help="the chip (default rtl8723bs)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="directory to write rtl_bt/ into")
    p.add_argument("--speed", type=speed_arg, default=1500000,
                   help="UART speed in the config (default 1500000)")
    p.add_argument("--flow", action=argparse.BooleanOptionalAction,
                   default=True, help="flow control in the config "
                   "(default on)")
    p.add_argument("--damage", choices=DAMAGES, default="none",
                   help="make files btrtl refuses (default none)")
    p.add_argument("--patch-size", type=int_range(8, 0xFFFF), default=20000,
                   help="length of the patch for the emulator's ROM "
                   "version (default 20000)")
    p.add_argument("--seed", type=int_range(0, 1 << 64), default=0,
                   help="pseudo-random patch data seed (default 0)")
    p.add_argument("--fw-version", type=int_range(0, 0xFFFFFFFF),
                   help="epatch fw_version (default per chip)")
    p.add_argument("--json", metavar="FILE", help="also write the summary")
    return p.parse_args(argv)


def summary_of(args, chip, fw, cfg):
    fw_version = chip.fw_version if args.fw_version is None \
        else args.fw_version
    out = {
        "chip": args.chip, "damage": args.damage,
        "fw_file": chip.fw_name, "cfg_file": chip.cfg_name,
        "fw_size": len(fw), "cfg_size": len(cfg),
        "lmp_subver": chip.lmp_subver, "hci_rev": chip.hci_rev,
        "hci_ver": chip.hci_ver, "rom_version": chip.rom_version,
        "project_id": chip.project_id, "fw_version": fw_version,
        "patch_chip_ids": list(PATCH_CHIP_IDS),
        "speed": args.speed, "speed_word": SPEED_WORDS[args.speed],
        "flow_control": args.flow,
        "patch_length": None, "image_length": None, "image_sha256": None,
        "fragments": None, "last_fragment_bytes": None, "refused_by": None,
    }
    try:
        got = btrtl_image(fw, cfg, chip)
    except Refused as err:
        out["refused_by"] = str(err)
        return out
    image = got["image"]
    out.update(patch_length=got["patch_length"], image_length=len(image),
               image_sha256=hashlib.sha256(image).hexdigest())
    out["fragments"], out["last_fragment_bytes"] = fragments(len(image))
    return out


def main(argv):
    args = parse_args(argv)
    chip = CHIPS[args.chip]
    fw_version = chip.fw_version if args.fw_version is None \
        else args.fw_version
    fw = build_firmware(chip, args.patch_size, args.seed, fw_version)
    cfg = build_config(SPEED_WORDS[args.speed], args.flow)
    fw, cfg = damage(args.damage, fw, cfg)
    summary = summary_of(args, chip, fw, cfg)
    if (summary["refused_by"] is None) != (args.damage == "none"):
        sys.exit(f"mkrtl: internal error: damage {args.damage} but "
                 f"refused_by {summary['refused_by']}")
    for name, blob in ((chip.fw_name, fw), (chip.cfg_name, cfg)):
        path = os.path.join(args.out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(blob)
    text = json.dumps(summary, sort_keys=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
