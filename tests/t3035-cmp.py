#!/usr/bin/env python3
"""t3035-cmp.py DB SQLFILE... -- JSONL TABLE DS: run the SQL files in
sqlite (DB), then compare TABLE's rows of partition DS with mc-merge's rows
(JSON lines of `mc-cat --to=jsonl` on stdin), value by value and with their
positions. sqlite before 3.41 has no unhex(): the same function is given
(hex digits to a blob, as sqlite's own). Prints one line per difference;
exit 1 when any."""
import base64, json, sqlite3, struct, sys

args = sys.argv[1:]
db = sqlite3.connect(args[0])
cut = args.index("--")
sqls, (table, ds) = args[1:cut], args[cut + 1:]
if sqlite3.sqlite_version_info < (3, 41, 0):
    db.create_function("unhex", 1, lambda s: None if s is None else bytes.fromhex(s),
                       deterministic=True)
for f in sqls:
    db.executescript(open(f).read())

want = {}
cols = None
for line in sys.stdin:
    r = json.loads(line)
    if r.get("kind") == "schema":
        cols = [c["name"] for c in r["columns"]]
    elif r.get("kind") == "row":
        want[tuple(r["pos"])] = r["after"]
cur = db.execute('SELECT %s, _pos_file, _pos_off, _pos_row FROM "%s" WHERE ds = ?' %
                 (", ".join('"%s"' % c for c in cols), table), (ds,))
got = {tuple(row[-3:]): row[:-3] for row in cur}

def same(w, g):
    if isinstance(w, dict):
        (k, v), = w.items()
        if k == "f32":
            return isinstance(g, float) and struct.pack("<f", v) == struct.pack("<f", g)
        if k == "bin":
            return g == base64.b64decode(v)
        if k == "bit":
            return g == int(v, 16) or g == str(int(v, 16))
        return g == v
    if isinstance(w, bool) or w is None:
        return g is None
    if isinstance(w, int):
        return g == w or g == str(w)
    if isinstance(w, float):
        return isinstance(g, float) and struct.pack("<d", w) == struct.pack("<d", g)
    return g == w

bad = 0
for p in sorted(set(want) | set(got)):
    if p not in got or p not in want:
        print("position %s: %s only" % (p, "mc-merge" if p in want else "the SQL"))
        bad += 1
        continue
    for c, w, g in zip(cols, want[p], got[p]):
        if not same(w, g):
            print("position %s column %s: mc-merge %r, the SQL %r" % (p, c, w, g))
            bad += 1
print("%d rows compared, %d differences" % (len(want), bad))
sys.exit(1 if bad or not want else 0)
