#!/usr/bin/env python3
"""Writes fuzz/corpus/fl_messages/ and fuzz/corpus/fl_site_runtime/: the engine's messages
in the layouts of doc/wire_format.md ("fl: engine messages"), valid and broken, built
independently of the C++ encoders (session id 0).
Run from the repository root: python3 fuzz/make_fl_corpus.py"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def blob(kind, round_, payload):
    header = b"FCLK" + struct.pack("<HHHHIQQ", 72, 1, kind, 0, 0, 0, round_)
    header += bytes(32) + struct.pack("<Q", len(payload))
    assert len(header) == 72
    return header + payload


def lp(data):
    return struct.pack("<I", len(data)) + data


def floats(values):
    return b"".join(struct.pack("<f", v) for v in values)


def key(i):
    return bytes([i]) * 32


def credentials(n):
    out = struct.pack("<I", n)
    for i in range(n):
        out += lp(b"site-%d" % (i + 1)) + key(i + 1) + key(i + 101) + lp(b"attestation")
    return out


def enrollment(attestation=b""):
    return blob(0x0324, 0, key(1) + key(101) + lp(attestation))


def secagg_setup(creds):
    p = struct.pack("<IIIQI", 3, 2, 2, 10, 1) + key(1) + key(2) + key(3)
    return blob(0x0325, 1, p + credentials(3 if creds else 0))


def he_setup(creds):
    p = struct.pack("<BIII", 0, 3, 2, 1) + key(101) + key(102) + key(103)
    return blob(0x0327, 0, p + credentials(3 if creds else 0))


def broadcast(mode=0, n=8):
    p = struct.pack("<BQII", mode, 7, 1, 4) + struct.pack("<ddddd", 0.5, 0.0, 0.0, 1.0, 65536.0)
    p += struct.pack("<QB", 1000, 0) + struct.pack("<Q", n) + floats([0.25] * n)
    return blob(0x0320, 1, p)


def session_start(text=b'{"model":"mlp"}'):
    return blob(0x0329, 0, lp(text))


MESSAGES = {
    "enrollment": enrollment(),
    "enrollment_attested": enrollment(b"\x01" + lp(b"-----BEGIN CERTIFICATE-----") + lp(b"sig")),
    "enrollment_huge_attestation": blob(0x0324, 0, key(1) + key(101) + struct.pack("<I", 1 << 30)),
    "secagg_setup": secagg_setup(False),
    "secagg_setup_credentials": secagg_setup(True),
    "secagg_setup_count_mismatch": blob(0x0325, 1, struct.pack("<IIIQI", 3, 2, 2, 10, 1)
                                        + key(1) + key(2) + key(3) + credentials(2)),
    "secagg_setup_huge_count": blob(0x0325, 1, struct.pack("<IIIQI", 3, 2, 2, 10, 1) + key(1)
                                    + key(2) + key(3) + struct.pack("<I", 0xFFFFFFFF)),
    "he_setup": he_setup(False),
    "he_setup_credentials": he_setup(True),
    "he_setup_truncated": he_setup(True)[:-5],
    "active_set": blob(0x0328, 1, struct.pack("<III", 2, 1, 2)),
    "train_report": blob(0x0326, 1, struct.pack("<d", 0.75)),
    "train_report_nan": blob(0x0326, 1, struct.pack("<Q", 0x7FF8000000000000)),
    "session_start": session_start(),
    "model_broadcast": broadcast(),
    "model_broadcast_huge_n": blob(0x0320, 1, broadcast()[72:-40][:-8] + struct.pack("<Q", 1 << 40)),
    "plain_update": blob(0x0321, 1, struct.pack("<QdQ", 10, 0.5, 8) + floats([0.1] * 8)),
    "eval_result": blob(0x0322, 1, struct.pack("<Qdd", 10, 0.4, 0.9) + b"\x01" + struct.pack("<d", 0.8)),
    "bundle": blob(0x0330, 1, struct.pack("<I", 2) + lp(enrollment()) + lp(session_start())),
    "bundle_huge_count": blob(0x0330, 1, struct.pack("<I", 1 << 31)),
    "trailing_byte": enrollment() + b"\x00",
    "empty": b"",
}


def task(kind, round_, payload):
    return struct.pack("<HBH", kind, round_, len(payload)) + payload


SITE_RUNTIME = {
    "enroll_train_evaluate": task(3, 0, session_start()) + task(1, 1, broadcast())
    + task(2, 1, broadcast()),
    "train_before_enroll": task(1, 1, broadcast()),
    "enroll_twice": task(3, 0, session_start()) + task(3, 0, session_start()),
    "secagg_setup_foreign_keys": task(3, 0, session_start()) + task(20, 1, secagg_setup(True))
    + task(21, 1, b"\x00" * 16) + task(22, 1, b"") + task(23, 1, b""),
    "he_setup_foreign_keys": task(3, 0, session_start()) + task(10, 0, he_setup(True))
    + task(11, 0, b"") + task(12, 1, b""),
    "wrong_mode_broadcast": task(3, 0, session_start()) + task(1, 1, broadcast(mode=2)),
    "wrong_size_broadcast": task(3, 0, session_start()) + task(1, 1, broadcast(n=3)),
    "unknown_kind": task(3, 0, session_start()) + task(999, 1, b"xyz") + task(30, 1, b""),
    "truncated_record": task(3, 0, session_start())[:-10],
}


def write(directory, cases):
    out = os.path.join(ROOT, directory)
    os.makedirs(out, exist_ok=True)
    for name, data in cases.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fl_messages", MESSAGES)
    write("fl_site_runtime", SITE_RUNTIME)
