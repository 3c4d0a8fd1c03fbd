#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the Realtek emulator's record against the image mkrtl.py built.

  rtl-record.py RECORD IMAGE_JSON --downloads N [--window W] [--crc on|off]
                [--faults CODE,...] [--host-retransmissions K]

Every download must be complete and the image btrtl builds from the files
(length, SHA-256, 252-byte fragments), and there must be exactly N of
them: files refused before any fragment start none. The speed command
must carry the config file's speed word and be accepted; the link's
window and CRC must be as given. With --faults, each fault must have been
injected and the host must have sent at least K packets again; without,
the emulator must have found no fault in what the host sent. Prints one
line per check, exits 1 if any failed.
"""

import argparse
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("record")
    p.add_argument("image")
    p.add_argument("--downloads", type=int, required=True)
    p.add_argument("--window", type=int)
    p.add_argument("--crc", choices=("on", "off"))
    p.add_argument("--faults", default="")
    p.add_argument("--host-retransmissions", type=int, default=0)
    args = p.parse_args()
    rec = json.load(open(args.record))
    img = json.load(open(args.image))
    failed = 0

    def check(what, ok, detail=""):
        nonlocal failed
        print(f"{'ok' if ok else 'FAILED'}: {what}{': ' + detail if detail else ''}")
        failed += not ok

    dls = rec["downloads"]
    done = [d for d in dls if d["complete"]]
    frags = -(-img["image_length"] // 252)
    check(f"{args.downloads} complete downloads", len(done) == args.downloads,
          f"{len(done)} of {len(dls)}")
    check("no download left incomplete", len(done) == len(dls),
          json.dumps([d for d in dls if not d["complete"]]))
    for i, d in enumerate(done):
        check(f"download {i + 1}: the image btrtl builds from the files",
              d["payload_bytes"] == img["image_length"]
              and d["sha256"] == img["image_sha256"] and d["fragments"] == frags,
              f"{d['payload_bytes']} bytes in {d['fragments']} fragments, "
              f"sha256 {d['sha256'][:16]}")
        check(f"download {i + 1}: at the config file's speed",
              d["baud_at_start"] == img["speed"], str(d["baud_at_start"]))
    words = [c for c in rec["baud_commands"]]
    check("speed commands carry the config file's word, accepted",
          len(words) >= args.downloads and all(
              c.get("word") == f"0x{img['speed_word']:08x}" and c.get("accepted") for c in words),
          json.dumps(words))
    check("handed off to btvirt after the download", rec["handoffs"] >= 1 and
          not rec["rom_ran"], f"handoffs {rec['handoffs']}, rom_ran {rec['rom_ran']}")
    if args.window is not None:
        check(f"link window {args.window}", rec["window"] == args.window, str(rec["window"]))
    if args.crc is not None:
        check(f"CRC {args.crc}", rec["crc"] == (args.crc == "on"), str(rec["crc"]))
    bad = {k: v for k, v in rec["errors"].items() if v}
    if args.faults:
        names = {1: "garbage", 2: "bad_header_checksum", 3: "bad_crc",
                 4: "out_of_window_seq", 5: "duplicate", 6: "lost_ack",
                 7: "peer_reset", 8: "deaf"}
        for code in args.faults.split(","):
            n = names[int(code)]
            check(f"fault {code} ({n}) injected", rec["faults_injected"].get(n, 0) >= 1,
                  str(rec["faults_injected"].get(n)))
        check(f"the host sent at least {args.host_retransmissions} packets again",
              rec["host_retransmissions"] >= args.host_retransmissions,
              str(rec["host_retransmissions"]))
        print(f"emulator's counts of the host's frames: {json.dumps(bad)}")
    else:
        check("the emulator took every frame the host sent", not bad, json.dumps(bad))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
