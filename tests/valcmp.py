#!/usr/bin/env python3
"""valcmp.py DB.TABLE SERVER.tsv A.jsonl: the rows of DB.TABLE in A (JSON
lines; insert and snapshot rows, their after image) must be those of
SERVER.tsv, one line per row as the server printed it with --batch: the
id, then each other column as HEX() of its UTF-8 text (text) or of its
bytes (binary), or NULL. Rows are compared by id. Prints each difference;
exit 1 if any, or if A has no row of the table."""
import base64, json, sys

def hexof(v):
    if v is None:
        return 'NULL'
    if isinstance(v, str):
        return v.encode('utf-8').hex().upper()
    if isinstance(v, dict) and 'bin' in v:
        return base64.b64decode(v['bin']).hex().upper()
    return 'UNEXPECTED:' + json.dumps(v)

db, table = sys.argv[1].split('.', 1)
want = {}
with open(sys.argv[2], encoding='utf-8') as f:
    for line in f:
        p = line.rstrip('\n').split('\t')
        want[p[0]] = p[1:]
got = {}
with open(sys.argv[3], encoding='utf-8') as f:
    for line in f:
        r = json.loads(line)
        if r.get('kind') == 'row' and r['db'] == db and r['table'] == table and r.get('after'):
            a = r['after']
            got[str(a[0])] = [hexof(v) for v in a[1:]]
bad = 0
if not got:
    print('%s: no rows in %s' % (sys.argv[1], sys.argv[3]))
    bad = 1
for k in sorted(set(want) | set(got)):
    if want.get(k) != got.get(k):
        print('%s id %s: server %r, stream %r' % (sys.argv[1], k, want.get(k), got.get(k)))
        bad += 1
sys.exit(1 if bad else 0)
