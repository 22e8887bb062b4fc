#!/usr/bin/env python3
"""Writes fuzz/corpus/net_site_session/: records of [u16 LE length][SiteMessage] as
net_site_session_fuzz reads them. Protobuf is encoded by hand (field numbers from
proto/fedcloak/net/v1/site_link.proto) so that no protobuf package is needed.
Run from the repository root: python3 fuzz/make_net_site_session_corpus.py"""
import os
import struct


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    return varint((num << 3) | 2) + varint(len(value)) + value


def chunk(task_id, rnd, kind, total, offset, data):
    body = field(1, task_id) + field(2, rnd) + field(3, kind) + field(4, total)
    body += field(5, offset) + field(6, data)
    return field(3, body)  # SiteMessage.result_chunk


def task_error(task_id, rnd, code, message):
    return field(4, field(1, task_id) + field(2, rnd) + field(3, code) + field(4, message))


HEARTBEAT = field(2, field(1, 1))
REGISTRATION = field(1, field(1, 1) + field(2, b"fuzz-site"))


def records(*messages):
    return b"".join(struct.pack("<H", len(m)) + m for m in messages)


CORPUS = {
    "valid_results": records(HEARTBEAT, chunk(1, 5, 1, 100, 0, b"a" * 64),
                             chunk(1, 5, 1, 100, 64, b"b" * 36), chunk(3, 5, 30, 8, 0, b"\1" * 8)),
    "valid_task_error": records(task_error(2, 5, 9, b"no data")),
    "empty_result": records(chunk(2, 5, 2, 0, 0, b"")),
    "out_of_order": records(chunk(1, 5, 1, 100, 0, b"a" * 64), chunk(1, 5, 1, 100, 70, b"b" * 30)),
    "duplicate": records(chunk(3, 5, 30, 8, 0, b"\1" * 8), chunk(3, 5, 30, 8, 0, b"\1" * 8)),
    "wrong_round": records(chunk(1, 6, 1, 4, 0, b"abcd")),
    "wrong_kind": records(chunk(1, 5, 2, 4, 0, b"abcd")),
    "oversized_chunk": records(chunk(1, 5, 1, 100, 0, b"x" * 65)),
    "oversized_total": records(chunk(1, 5, 1, 2000, 0, b"x" * 10)),
    "past_the_end": records(chunk(1, 5, 1, 70, 0, b"a" * 64), chunk(1, 5, 1, 70, 64, b"b" * 10)),
    "unknown_task": records(chunk(99, 5, 1, 4, 0, b"abcd")),
    "task_zero": records(chunk(0, 5, 1, 4, 0, b"abcd")),
    "registration_again": records(REGISTRATION),
    "empty_message": records(b""),
    "bad_error_code": records(task_error(2, 5, 0, b"ok?"), task_error(2, 5, -3, b"neg")),
    "error_after_chunk": records(chunk(1, 5, 1, 100, 0, b"a" * 64), task_error(1, 5, 13, b"x")),
    "not_protobuf": records(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
    "truncated_record": struct.pack("<H", 200) + chunk(1, 5, 1, 4, 0, b"abcd"),
    "huge_varint_total": records(chunk(1, 5, 1, (1 << 64) - 1, 0, b"abcd")),
}

out_dir = os.path.join("fuzz", "corpus", "net_site_session")
os.makedirs(out_dir, exist_ok=True)
for name, data in CORPUS.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
print(f"wrote {len(CORPUS)} files to {out_dir}")
