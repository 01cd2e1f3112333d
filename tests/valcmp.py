#!/usr/bin/env python3
"""valcmp.py [--replay] DB.TABLE SERVER.tsv A.jsonl: the rows of DB.TABLE in A
(JSON lines; insert and snapshot rows, their after image) must be those of
SERVER.tsv, one line per row as the server printed it with --batch: the
id, then each other column as HEX() of its UTF-8 text (text, and the text
of numbers, DECIMAL, dates and times, BIT as lowercase hex digits) or of
its bytes (binary), or NULL. FLOAT and DOUBLE values are compared as the
float32/float64 the server's text reads as (bit for bit: -0 is not 0).
Rows are compared by id.
--replay: A is a change stream: its inserts, updates and deletes are
applied in order (an update's or delete's before image must be the row as
it stands, an insert's id must be new), and the rows that stand at the end
are compared with SERVER.tsv.
Prints each difference; exit 1 if any, or if A has no row of the table."""
import base64, json, math, struct, sys

def bits(kind, text):
    try:
        f = float(text)
    except ValueError:
        return None
    if kind == 'f32':
        return struct.pack('>f', f) if math.isfinite(f) else None
    return struct.pack('>d', f)

def same(v, h):
    """Is stream value v the server's HEX text h?"""
    if v is None or h == 'NULL':
        return v is None and h == 'NULL'
    raw = bytes.fromhex(h)
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return str(v).encode() == raw
    if isinstance(v, float):
        return bits('f64', repr(v)) == bits('f64', raw.decode())
    if isinstance(v, str):
        return v.encode('utf-8') == raw
    if not isinstance(v, dict) or len(v) != 1:
        return False
    (k, x), = v.items()
    if k == 'f32':
        b = bits('f32', raw.decode())
        return b is not None and b == bits('f32', str(x))
    if k in ('bin', 'strb'):
        return base64.b64decode(x) == raw
    if isinstance(x, str):
        return x.encode('utf-8') == raw
    return False

def show(v):
    return json.dumps(v, ensure_ascii=False)

args = sys.argv[1:]
replay = args[:1] == ['--replay']
if replay:
    args = args[1:]
db, table = args[0].split('.', 1)
want = {}
with open(args[1], encoding='utf-8') as f:
    for line in f:
        p = line.rstrip('\n').split('\t')
        want[p[0]] = p[1:]
got = {}
bad = 0
with open(args[2], encoding='utf-8') as f:
    for n, line in enumerate(f, 1):
        r = json.loads(line)
        if r.get('kind') != 'row' or r['db'] != db or r['table'] != table:
            continue
        b, a = r.get('before'), r.get('after')
        if not replay:
            if a:
                got[str(a[0])] = a
            continue
        if b is not None:
            k = str(b[0])
            if got.get(k) != b:
                print('%s line %d: %s before image %s, the row stands as %s' %
                      (args[0], n, r['op'], show(b), show(got.get(k))))
                bad += 1
            got.pop(k, None)
        if a is not None:
            k = str(a[0])
            if r['op'] == 'insert' and k in got:
                print('%s line %d: insert of id %s, which stands' % (args[0], n, k))
                bad += 1
            got[k] = a
if not got:
    print('%s: no rows in %s' % (args[0], args[2]))
    bad = 1
for k in sorted(set(want) | set(got)):
    w, g = want.get(k), got.get(k)
    if w is None or g is None:
        print('%s id %s: server %r, stream %s' % (args[0], k, w, show(g)))
        bad += 1
        continue
    if len(w) != len(g) - 1:
        print('%s id %s: server %d columns, stream %d' % (args[0], k, len(w) + 1, len(g)))
        bad += 1
        continue
    for c, (x, y) in enumerate(zip(g[1:], w), 1):
        if not same(x, y):
            print('%s id %s column %d: server %s, stream %s' % (args[0], k, c, y, show(x)))
            bad += 1
sys.exit(1 if bad else 0)
