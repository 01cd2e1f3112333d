#!/usr/bin/env python3
"""schemacmp.py A.jsonl B.jsonl: the last schema record of every table in
A and in B must be the same (db, table, flags, columns, key; not pos, time
or version), and name the same tables. Prints each difference; exit 1 if any."""
import json, sys

def schemas(path):
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            r = json.loads(line)
            if r.get('kind') == 'schema':
                out[(r['db'], r['table'])] = {k: r[k] for k in ('flags', 'columns', 'key')}
    return out

a, b = schemas(sys.argv[1]), schemas(sys.argv[2])
bad = 0
for t in sorted(set(a) | set(b)):
    if t not in a or t not in b:
        print('%s.%s: only in %s' % (t[0], t[1], sys.argv[1] if t in a else sys.argv[2]))
        bad += 1
        continue
    x, y = a[t], b[t]
    for k in ('flags', 'key'):
        if x[k] != y[k]:
            print('%s.%s: %s %r vs %r' % (t[0], t[1], k, x[k], y[k]))
            bad += 1
    if len(x['columns']) != len(y['columns']):
        print('%s.%s: %d columns vs %d' % (t[0], t[1], len(x['columns']), len(y['columns'])))
        bad += 1
        continue
    for c, d in zip(x['columns'], y['columns']):
        if c != d:
            print('%s.%s: %s vs %s' % (t[0], t[1], json.dumps(c, ensure_ascii=False),
                                       json.dumps(d, ensure_ascii=False)))
            bad += 1
if not a:
    print('no schema record')
    bad += 1
sys.exit(1 if bad else 0)
