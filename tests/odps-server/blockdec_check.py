#!/usr/bin/env python3
"""Cross-check the C block decoder (blockdec.c) against the reference,
recstream.py's Decoder: random tables of every type the C decoder takes,
random rows (edge values included), each stream decoded by both, then the
same stream with bytes flipped, cut, or inserted, and read with other
schemas (other types, NOT NULL columns); both must give the same
rows (marshal.loads of the C output == recstream.decode) or the same error
(code and message); and the server's check at PUT (bd_check, which keeps
no rows; also after inflating, inflate_check) the same count or error.

  python3 blockdec_check.py LIB.so [N] [SEED]

Prints one line: "N streams, M mutants: K agreed, D disagreed" and each
disagreement (at most 20); exit 1 on any.
"""
import marshal
import math
import random
import struct
import sys
import zlib

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import blockdec  # noqa: E402
import recstream  # noqa: E402

TYPES = [("BIGINT",), ("INT",), ("SMALLINT",), ("TINYINT",), ("BOOLEAN",), ("DOUBLE",), ("FLOAT",),
         ("STRING",), ("BINARY",), ("CHAR", 5), ("VARCHAR", 8), ("DECIMAL", 10, 2), ("DECIMAL", 38, 18),
         ("DATETIME",), ("DATE",), ("TIMESTAMP",), ("TIMESTAMP_NTZ",), ("INTERVAL_DAY_TIME",),
         ("INTERVAL_YEAR_MONTH",)]
MS_MIN, MS_MAX = recstream.MIN_DAYS * 86400000, (recstream.MAX_DAYS + 1) * 86400000 - 1


def rand_value(r, t):
    k = t[0]
    if k in recstream.INTS:
        b = recstream.INTS[k]
        return r.choice([0, 1, -1, (1 << b) - 1, -(1 << b), r.randint(-(1 << b), (1 << b) - 1),
                         max(-(1 << b), min((1 << b) - 1, r.randint(-1000, 1000)))])
    if k == "BOOLEAN":
        return r.randint(0, 1)
    if k == "DOUBLE":
        return r.choice([0.0, -0.0, 1.5, -1e300, float("inf"), r.uniform(-1e9, 1e9), 5e-324])
    if k == "FLOAT":
        return struct.unpack("<f", struct.pack("<f", r.uniform(-1e6, 1e6)))[0]
    if k in ("STRING", "CHAR", "VARCHAR"):
        n = r.randint(0, t[1] if len(t) > 1 else 30)
        return "".join(r.choice("ab\u00e9\u4e2d\U0001f600 '\"\\\n") for _ in range(n))
    if k == "BINARY":
        return bytes(r.getrandbits(8) for _ in range(r.randint(0, 20)))
    if k == "DECIMAL":
        ip = str(r.randint(0, 10 ** min(t[1] - t[2], 18) - 1))
        fp = "".join(r.choice("0123456789") for _ in range(r.randint(0, t[2])))
        return ("-" if r.random() < 0.3 else "") + ip + ("." + fp if fp else "")
    if k == "DATETIME":
        return r.choice([0, -1, MS_MIN, MS_MAX, r.randint(MS_MIN, MS_MAX)])
    if k == "DATE":
        return r.choice([0, -1, recstream.MIN_DAYS, recstream.MAX_DAYS,
                         r.randint(recstream.MIN_DAYS, recstream.MAX_DAYS)])
    if k in ("TIMESTAMP", "TIMESTAMP_NTZ", "INTERVAL_DAY_TIME"):
        lo, hi = recstream.MIN_DAYS * 86400, (recstream.MAX_DAYS + 1) * 86400 - 1
        return (r.choice([0, -1, lo, hi, r.randint(lo, hi)]), r.choice([0, 999999999, r.randint(0, 999999999)]))
    if k == "INTERVAL_YEAR_MONTH":
        return r.randint(-(1 << 63), (1 << 63) - 1)
    raise ValueError(k)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def outcome_py(data, cols):
    try:
        return ("ok", recstream.decode(data, cols))
    except recstream.StreamError as e:
        return ("err", e.code, e.msg)


def outcome_check(bd, data, cols):
    """bd_check's outcome: the count, or the error; and inflate_check's of the
    stream deflated, which must be the same"""
    out = []
    for f in (lambda: bd.check(data, cols), lambda: bd.inflate_check(zlib.compress(data, 1), "deflate",
                                                                    1 << 26, cols)):
        try:
            out.append(("ok", f()))
        except recstream.StreamError as e:
            out.append(("err", e.code, e.msg))
    return out[0] if out[0] == out[1] else ("err", "check", "bd_check %r, inflate_check %r" % tuple(out))


def outcome_c(bd, data, cols):
    chk = outcome_check(bd, data, cols)
    try:
        n, blob = bd.decode(data, cols)
        rows = marshal.loads(blob)
        if n != len(rows):
            return ("err", "count", "C says %d rows, its marshal holds %d" % (n, len(rows)))
        if chk != ("ok", n):
            return ("err", "check", "decode: %d rows, the check: %r" % (n, chk))
        return ("ok", rows)
    except recstream.StreamError as e:
        if chk != ("err", e.code, e.msg):
            return ("err", "check", "decode: %s %s, the check: %r" % (e.code, e.msg, chk))
        return ("err", e.code, e.msg)


def agree(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "ok":
        return same(a[1], b[1])
    return a[1:] == b[1:]


def mutants(r, data, k):
    out = []
    for _ in range(k):
        w = bytearray(data)
        m = r.random()
        if m < 0.6 and w:
            i = r.randrange(len(w))
            w[i] = r.choice([w[i] ^ (1 << r.randrange(8)), 0, 0x80, 0xFF, 0x7F])
        elif m < 0.8 and w:
            del w[r.randrange(len(w)):]
        elif m < 0.9:
            i = r.randrange(len(w) + 1)
            w[i:i] = bytes([r.getrandbits(8)])
        elif w:
            i = r.randrange(len(w))
            del w[i]
        out.append(bytes(w))
    return out


def main(argv):
    bd = blockdec.BlockDecoder(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 200
    r = random.Random(int(argv[2]) if len(argv) > 2 else 1)
    streams = muts = agreed = 0
    bad = []
    for _ in range(n):
        ncol = r.randint(1, 6)
        types = [r.choice(TYPES) for _ in range(ncol)]
        cols = [("c%d" % i, t, r.random() < 0.7) for i, t in enumerate(types)]
        rows = []
        for _ in range(r.randint(0, 5)):
            rows.append([None if (c[2] and r.random() < 0.2) else rand_value(r, c[1]) for c in cols])
        data = recstream.encode(types, rows)
        # the stream, its mutants, and the stream read with other schemas (valid
        # CRCs, so that the checks after them are reached: NOT NULL, lengths, ranges)
        others = []
        for _ in range(3):
            ot = [r.choice(TYPES) if r.random() < 0.5 else t for t in types]
            others.append((data, [("c%d" % i, t, r.random() < 0.5) for i, t in enumerate(ot)]))
        for d, cs in [(data, cols)] + [(m, cols) for m in mutants(r, data, 30)] + others:
            a, b = outcome_py(d, cs), outcome_c(bd, d, cs)
            if d is data and cs is cols:
                streams += 1
                if a[0] != "ok":
                    bad.append(("the encoder's stream fails", a, d.hex()))
            else:
                muts += 1
            if agree(a, b):
                agreed += 1
            else:
                bad.append((cs, d.hex(), a if a[0] == "err" else "ok", b if b[0] == "err" else "ok"))
    print("%d streams, %d mutants: %d agreed, %d disagreed" % (streams, muts, agreed, len(bad)))
    for x in bad[:20]:
        print("  disagree: %r" % (x,))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
