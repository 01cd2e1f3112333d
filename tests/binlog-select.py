#!/usr/bin/env python3
"""Compare the final state of a table rebuilt from mc-binlog-tail --format=text
output with the rows SELECT returns.

    binlog-select.py TYPES_FILE MC_TEXT_FILE SELECT_TSV DB.TABLE

TYPES_FILE holds one column kind a line, in column order (int, float,
double, decimal, text, bytes, bit, plain): how to compare that column.
SELECT_TSV is `mariadb -N -B` output of a SELECT that shows text columns as
HEX(CONVERT(c USING utf8mb4)), byte columns as HEX(c), BIT as CAST(c AS
UNSIGNED), everything else as is, ordered by the first column (the key).
Prints differences (at most 20) and exits 1, or "rows N, values M".
"""
import re
import struct
import sys


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i:i + 2] == b'\\x' and re.match(rb'[0-9a-f]{2}', s[i + 2:i + 4]):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return bytes(out)


def mc_rows(path, table):
    rows = {}
    cur = None
    img = {}
    op = None

    def done():
        if op is None:
            return
        if op in ('insert', 'update'):
            if op == 'update':
                rows.pop(img['before'][1], None)
            rows[img['after'][1]] = img['after']
        elif op == 'delete':
            rows.pop(img['before'][1], None)

    with open(path, 'rb') as f:
        for line in f:
            line = line.rstrip(b'\n')
            m = re.match(rb'row (\w+) `(.*)`\.`(.*)` ', line)
            if m:
                done()
                key = (m.group(2) + b'.' + m.group(3)).decode()
                op = m.group(1).decode() if key == table else None
                img = {'before': {}, 'after': {}}
                continue
            if not line.startswith(b'  '):
                done()
                op = None
                continue
            m = re.match(rb'  (before|after) @(\d+)=(.*)$', line, re.S)
            if m and op:
                img[m.group(1).decode()][int(m.group(2))] = m.group(3)
    done()
    return rows


def val_bytes(v):
    if v.startswith(b"x'"):
        return bytes.fromhex(v[2:-1].decode())
    if v.startswith(b"'"):
        return unescape(v[1:-1])
    m = re.match(rb'\w+:\'(.*)\'$', v, re.S)
    if m:
        return unescape(m.group(1))
    return v


def same(kind, mine, sel):
    if sel == b'NULL':
        return mine == b'NULL'
    if mine == b'NULL':
        return False
    if kind == 'int':
        return int(mine) == int(sel)
    if kind == 'float':
        a = float(mine.split(b':')[1])
        return ('%g' % a) == ('%g' % float(sel))
    if kind == 'double':
        a, b = float(mine.split(b':')[1]), float(sel)
        return a == b or abs(a - b) <= 1e-14 * abs(b)
    if kind == 'bit':
        return int(mine.split(b':')[1], 16) == int(sel)
    if kind in ('text', 'bytes'):
        return val_bytes(mine) == bytes.fromhex(sel.decode())
    return val_bytes(mine) == sel


def main():
    kinds = open(sys.argv[1]).read().split()
    mine = mc_rows(sys.argv[2], sys.argv[4])
    sel = []
    with open(sys.argv[3], 'rb') as f:
        for line in f:
            sel.append(line.rstrip(b'\n').split(b'\t'))
    errors = []
    nvals = 0
    if len(sel) != len(mine):
        errors.append('rows: SELECT %d, binlog %d' % (len(sel), len(mine)))
    for row in sel:
        key = row[0]
        got = mine.get(key)
        if got is None:
            errors.append('row %s: not in the binlog' % key.decode())
            continue
        for i, (kind, s) in enumerate(zip(kinds, row)):
            m = got.get(i + 1, b'ABSENT')
            nvals += 1
            if not same(kind, m, s):
                errors.append('row %s col %d (%s): SELECT %r, binlog %r'
                              % (key.decode(), i + 1, kind, s[:80], m[:80]))
    for e in errors[:20]:
        print(e)
    if errors:
        sys.exit(1)
    print('rows %d, values %d' % (len(sel), nvals))


if __name__ == '__main__':
    main()
