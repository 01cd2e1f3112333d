#!/usr/bin/env python3
"""Compare mc-binlog-tail --format=text output with MariaDB's
`mysqlbinlog --base64-output=decode-rows -vv` output, row by row and value
by value.

    binlog-vv.py VV_FILE MC_TEXT_FILE

Prints one line per difference (at most 20) and exits 1 when they differ;
prints "rows N, values M, skipped K" and exits 0 when they agree. Values
that mysqlbinlog cannot show (MySQL binary JSON) are skipped and counted.
mysqlbinlog's forms are turned into ours: DATE 'Y:M:D', TIMESTAMP as epoch
seconds, ENUM/SET as numbers (mapped through the labels of our schema
lines), BIT as b'0101', integers as "signed (unsigned)".
"""
import calendar
import re
import sys


def unescape_vv(s):
    # mysqlbinlog writes bytes < 0x20 as \xNN and every other byte as is.
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


def parse_vv(path):
    rows = []
    cur = None
    img = None
    with open(path, 'rb') as f:
        for line in f:
            line = line.rstrip(b'\n')
            if not line.startswith(b'### '):
                continue
            body = line[4:]
            m = re.match(rb'(INSERT INTO|UPDATE|DELETE FROM) `(.*)`\.`(.*)`$', body)
            if m:
                op = {b'INSERT INTO': 'insert', b'UPDATE': 'update',
                      b'DELETE FROM': 'delete'}[m.group(1)]
                cur = {'op': op, 'table': (m.group(2) + b'.' + m.group(3)).decode('utf8', 'replace'),
                       'before': {}, 'after': {}}
                rows.append(cur)
                img = None
                continue
            if body == b'WHERE':
                img = 'before'
                continue
            if body == b'SET':
                img = 'after'
                continue
            m = re.match(rb'  @(\d+)=(.*) /\* (.*?) meta=(\d+) nullable=\d is_null=(\d) \*/$', body, re.S)
            if m and cur is not None and img:
                cur[img][int(m.group(1))] = (m.group(2), m.group(3).decode(), int(m.group(4)),
                                             m.group(5) == b'1')
    return rows


def parse_mc(path):
    rows = []
    schemas = {}
    cur = None
    with open(path, 'rb') as f:
        for line in f:
            line = line.rstrip(b'\n')
            m = re.match(rb'schema `(.*)`\.`(.*)` v(\d+) ', line)
            if m:
                key = (m.group(1) + b'.' + m.group(2)).decode('utf8', 'replace')
                sch = {}
                schemas[(key, int(m.group(3)))] = sch
                continue
            m = re.match(rb'  col @(\d+) `.*?` (enum|set)\((.*)\) ', line)
            if m:
                labels = re.findall(rb"'((?:[^']|'')*)'", m.group(3))
                sch[int(m.group(1))] = [l.replace(b"''", b"'") for l in labels]
                continue
            m = re.match(rb'row (\w+) `(.*)`\.`(.*)` v(\d+) ', line)
            if m:
                key = (m.group(2) + b'.' + m.group(3)).decode('utf8', 'replace')
                cur = {'op': m.group(1).decode(), 'table': key, 'before': {}, 'after': {},
                       'labels': schemas.get((key, int(m.group(4))), {})}
                rows.append(cur)
                continue
            m = re.match(rb'  (before|after) @(\d+)=(.*)$', line, re.S)
            if m and cur is not None:
                cur[m.group(1).decode()][int(m.group(2))] = m.group(3)
    return rows


def mc_bytes(v):
    if v.startswith(b"x'"):
        return bytes.fromhex(v[2:-1].decode())
    if v.startswith(b"'"):
        return unescape_vv(v[1:-1])
    m = re.match(rb'\w+:\'(.*)\'$', v, re.S)
    if m:
        return unescape_vv(m.group(1))
    return v


def same_text(mine, vv):
    a, b = mc_bytes(mine), unescape_vv(vv[1:-1]) if vv.startswith(b"'") else vv
    if a == b or a.rstrip(b'\x00') == b.rstrip(b'\x00'):
        return True
    for enc in ('cp1252', 'latin1'):
        try:
            if a.decode('utf8').encode(enc) == b:
                return True
        except (UnicodeError, ValueError):
            pass
    return False


def compare_value(mine, vv, labels):
    """None when equal, 'skip' when not comparable, else a reason."""
    text, typ, meta, isnull = vv
    if isnull:
        return None if mine == b'NULL' else 'want NULL'
    if mine == b'NULL':
        return 'got NULL'
    t = typ.split('(')[0]
    if t in ('TINYINT', 'SHORTINT', 'MEDIUMINT', 'INT', 'LONGINT'):
        nums = [int(x) for x in re.findall(rb'-?\d+', text)]
        return None if int(mine) in nums else 'int'
    if t == 'YEAR':
        return None if int(mine) == int(text) else 'year'
    if t == 'FLOAT':
        return None if ('%g' % float(mine.split(b':')[1])) == text.strip().decode() else 'float'
    if t == 'DOUBLE':
        a, b = float(mine.split(b':')[1]), float(text)
        return None if a == b or ('%g' % a) == ('%g' % b) or abs(a - b) <= 1e-14 * abs(b) else 'double'
    if t == 'DECIMAL':
        return None if mc_bytes(mine) == text else 'decimal'
    if t == 'DATE':
        return None if mc_bytes(mine) == text[1:-1].replace(b':', b'-') else 'date'
    if t in ('DATETIME', 'TIME'):
        return None if mc_bytes(mine) == text[1:-1] else t.lower()
    if t == 'TIMESTAMP':
        s = mc_bytes(mine).decode()
        m = re.match(r'(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$', s)
        if not m:
            return 'timestamp text'
        if s.startswith('0000-00-00'):
            sec = 0
        else:
            sec = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
        want = str(sec) + (m.group(7) or '')
        return None if want == text.decode() else 'timestamp'
    if t == 'BIT':
        a = int(mine.split(b':')[1], 16)
        b = int(text[2:-1], 2)
        return None if a == b else 'bit'
    if t in ('ENUM', 'SET'):
        n = int(text) if t == 'ENUM' else int(text[2:-1], 2)
        got = mc_bytes(mine)
        if not labels:
            return None if got == str(n).encode() else t.lower()
        if t == 'ENUM':
            want = b'' if n == 0 else labels[n - 1]
        else:
            want = b','.join(labels[i] for i in range(len(labels)) if n >> i & 1)
        return None if got == want else t.lower()
    if t in ('STRING', 'VARSTRING', 'BLOB/TEXT', 'TINYBLOB/TINYTEXT', 'MEDIUMBLOB/MEDIUMTEXT',
             'LONGBLOB/LONGTEXT', 'GEOMETRY'):
        if mine.startswith(b'json:'):
            return 'skip'
        return None if same_text(mine, text) else 'bytes'
    return 'skip'


def main():
    vv = parse_vv(sys.argv[1])
    mc = parse_mc(sys.argv[2])
    errors = []
    nvals = skipped = 0
    if len(vv) != len(mc):
        errors.append('rows: mysqlbinlog %d, mc-binlog-tail %d' % (len(vv), len(mc)))
    for i, (a, b) in enumerate(zip(vv, mc)):
        if a['op'] != b['op'] or a['table'] != b['table']:
            errors.append('row %d: %s %s vs %s %s' % (i + 1, a['op'], a['table'], b['op'], b['table']))
            continue
        for img in ('before', 'after'):
            mine = {k: v for k, v in b[img].items() if v != b'ABSENT'}
            if set(mine) != set(a[img]):
                errors.append('row %d %s: columns %s vs %s' % (i + 1, img, sorted(a[img]), sorted(mine)))
                continue
            for col, vvv in sorted(a[img].items()):
                why = compare_value(mine[col], vvv, b['labels'].get(col))
                if why == 'skip':
                    skipped += 1
                    continue
                nvals += 1
                if why:
                    errors.append('row %d %s @%d (%s): %s: mysqlbinlog %r, mc-binlog-tail %r'
                                  % (i + 1, img, col, vvv[1], why, vvv[0][:80], mine[col][:80]))
    for e in errors[:20]:
        print(e)
    if errors:
        sys.exit(1)
    print('rows %d, values %d, skipped %d' % (len(vv), nvals, skipped))


if __name__ == '__main__':
    main()
