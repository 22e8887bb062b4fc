#!/usr/bin/env python3
"""Writes fuzz/corpus/store_checkpoint/: checkpoints in the layout of doc/wire_format.md
("store: checkpoints"), valid and broken, built independently of the C++ encoder."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "store_checkpoint")


def blob(kind, round_, payload):
    header = b"FCLK" + struct.pack("<HHHHIQQ", 72, 1, kind, 0, 0, 0, round_)
    header += bytes(32) + struct.pack("<Q", len(payload))
    assert len(header) == 72
    return header + payload


def checkpoint(run, round_, model, state=b"", extra=b""):
    payload = struct.pack("<QQ", run, len(model)) + b"".join(struct.pack("<f", v) for v in model)
    payload += struct.pack("<Q", len(state)) + state + struct.pack("<Q", len(extra)) + extra
    return blob(0x0501, round_, payload)


def main():
    os.makedirs(OUT, exist_ok=True)
    good = checkpoint(1, 5, [0.5, -1.25, 3.0], b"\x01\x03" * 8, b"x")
    cases = {
        "valid_small": good,
        "valid_empty_model": checkpoint(2, 0, []),
        "truncated": good[:-3],
        "trailing_byte": good + b"\x00",
        "nan_value": checkpoint(1, 1, [float("nan")]),
        "huge_count": good[:80] + struct.pack("<Q", 1 << 40) + good[88:],
        "wrong_kind": blob(0x0502, 1, good[72:]),
    }
    for name, data in cases.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
