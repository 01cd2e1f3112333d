#!/usr/bin/env python3
"""Cross-check the server's in-process block decompression (blockinf.c,
blockdec.BlockDecoder.inflate) against the reference (server.py
Handler.inflate: Python's zlib for deflate, the zstd command for zstd):
random blocks compressed whole, as several zstd frames, with a skippable
frame, then cut, flipped, extended, emptied, and read with a small limit;
both must give the same bytes, or refuse with the same HTTP status (and,
for deflate, the same message).

  python3 blockinf_check.py LIB.so [N] [SEED]

Prints one line: "N blocks, M cases: K agreed, D disagreed" and each
disagreement (at most 20); exit 1 on any.
"""
import os
import random
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blockdec  # noqa: E402
import server  # noqa: E402


def zstd(data, level=3):
    return subprocess.run(["zstd", "-q", "-c", "-%d" % level], input=data, capture_output=True,
                          check=True).stdout


def ref(raw, enc, limit):
    try:
        return 0, server.Handler.inflate(None, raw, enc, limit)
    except server.Err as e:
        return e.status, e.msg


def c(bd, raw, enc, limit):
    try:
        return 0, bd.inflate(raw, enc, limit)
    except blockdec.InflateError as e:
        return e.status, e.msg


def block(r):
    k = r.randint(0, 4)
    if k == 0:
        return b""
    if k == 1:
        return bytes(r.getrandbits(8) for _ in range(r.randint(1, 3000)))
    words = [b"alpha", b"beta", b"\x00\x01", b"gamma-delta", bytes([r.getrandbits(8)])]
    return b"".join(r.choice(words) for _ in range(r.randint(1, 20000 if k == 4 else 500)))


def main(argv):
    bd = blockdec.BlockDecoder(argv[1])
    n = int(argv[2]) if len(argv) > 2 else 100
    r = random.Random(int(argv[3]) if len(argv) > 3 else 1)
    cases = agreed = 0
    bad = []
    for _ in range(n):
        data = block(r)
        forms = [("deflate", zlib.compress(data, r.choice([1, 6, 9]))),
                 ("deflate", zlib.compress(data)[2:-4]),                # raw deflate
                 ("zstd", zstd(data)),
                 ("zstd", zstd(data[:len(data) // 2]) + zstd(data[len(data) // 2:])),   # two frames
                 ("zstd", struct.pack("<II", 0x184D2A50, 3) + b"abc" + zstd(data)),      # skippable frame
                 ("zstd", data), ("deflate", data)]
        for enc, raw in forms:
            muts = [raw, raw + b"x", raw + raw, b""]
            if raw:
                muts.append(raw[:r.randrange(len(raw))])
                i = r.randrange(len(raw))
                muts.append(raw[:i] + bytes([raw[i] ^ (1 << r.randrange(8))]) + raw[i + 1:])
            for m in muts:
                for limit in (1 << 20, max(len(data) - 1, 0), len(data)):
                    cases += 1
                    a, b = ref(m, enc, limit), c(bd, m, enc, limit)
                    same = a[0] == b[0] and (a[0] != 0 or a[1] == b[1]) and \
                        (a[0] == 0 or enc != "deflate" or a[0] == 413 or a[1] == b[1])
                    if same:
                        agreed += 1
                    elif len(bad) < 20:
                        bad.append("%s %d bytes limit %d: reference %r, C %r" % (
                            enc, len(m), limit, (a[0], a[1][:120]), (b[0], b[1][:120])))
    print("%d blocks, %d cases: %d agreed, %d disagreed" % (n, cases, agreed, cases - agreed))
    for b in bad:
        print(b)
    return 1 if cases != agreed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
