#!/usr/bin/env python3
"""snapcmp.py SNAP.jsonl DB TABLE SELECT.tsv [KEYCOLS]: compare the snapshot
rows of DB.TABLE (mc-cat --to=jsonl) with `mariadb --batch` output of a
SELECT of the same columns ordered by the key (BLOB-like columns as
TO_BASE64, BIT as lowercase hex, FLOAT as CAST(.. AS DOUBLE) or text).
Rows are sorted by the key columns (default: the first). Exit 1 on any
difference, naming row and column."""
import base64, json, struct, sys

def unesc(s):
    if s == 'NULL':
        return None
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            out.append({'n': '\n', 't': '\t', '0': '\0', '\\': '\\'}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)

def same(v, t):
    if v is None:
        return t is None
    if t is None:
        return False
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return str(v) == t
    if isinstance(v, float):
        return float(t) == v
    if isinstance(v, str):
        return v == t
    (k, x), = v.items()
    if k == 'f32':
        f = struct.unpack('f', struct.pack('f', float(t)))[0]
        return f == struct.unpack('f', struct.pack('f', float(x)))[0]
    if k == 'bin':
        return base64.b64decode(x) == base64.b64decode(t.replace('\n', ''))
    if k == 'bit':
        return x == t
    return x == t

def main():
    snap, db, table, tsv = sys.argv[1:5]
    keys = [int(k) for k in sys.argv[5].split(',')] if len(sys.argv) > 5 else [0]
    rows = []
    for line in open(snap, encoding='utf-8'):
        r = json.loads(line)
        if r.get('kind') == 'row' and r['db'] == db and r['table'] == table:
            rows.append(r['after'])
    want = [[unesc(f) for f in l.rstrip('\n').split('\t')] for l in open(tsv, encoding='utf-8')]
    def text(v):
        if isinstance(v, dict):
            (k, x), = v.items()
            return x
        return str(v)
    rows.sort(key=lambda r: [text(r[k]) for k in keys])
    want.sort(key=lambda r: [str(r[k]) for k in keys])
    bad = 0
    if len(rows) != len(want):
        print('rows: %d in the snapshot, %d from SELECT' % (len(rows), len(want)))
        bad += 1
    for i, (a, b) in enumerate(zip(rows, want)):
        if len(a) != len(b):
            print('row %d: %d values, %d from SELECT' % (i, len(a), len(b)))
            bad += 1
            continue
        for c, (x, y) in enumerate(zip(a, b)):
            if not same(x, y):
                print('row %d col %d: snapshot %r, SELECT %r' % (i, c, x, y))
                bad += 1
    sys.exit(1 if bad else 0)

main()
