#!/bin/sh
# mc-snapshot: every chunk's watermark is the binlog position its read view
# is consistent with; rows added while the snapshot runs split the open
# last chunk instead of making it huge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
for mode in snapshot lock; do
sql "DROP DATABASE IF EXISTS w; CREATE DATABASE w; USE w;
CREATE TABLE w.t (id INT PRIMARY KEY, v INT);
INSERT INTO w.t SELECT seq, seq FROM seq_1_to_1500;"
p0=$(sql "SHOW MASTER STATUS" | cut -f2)

mc-snapshot $MDB_ARGS --databases=w --consistency=$mode --threads=2 --chunk-rows=100 --max-rate=600 >"$T/snap.mcr" 2>"$T/err" &
pid=$!
sleep 1
# one transaction changing every row, and new rows past the largest key
sql "BEGIN; UPDATE w.t SET v = v + 100000; INSERT INTO w.t SELECT seq, seq + 100000 FROM w.seq_1501_to_2500; COMMIT;"
p1=$(sql "SHOW MASTER STATUS" | cut -f2)
sql "UPDATE w.t SET v = v + 100000"
p2=$(sql "SHOW MASTER STATUS" | cut -f2)
wait $pid
expect_eq "$mode: the snapshot ran while the table changed" "$?" 0
mc-cat "$T/snap.mcr" >"$T/snap.jsonl"
python3 - "$T/snap.jsonl" "$p0" "$p1" "$p2" >"$T/check" <<'PY'
import json, sys
p0, p1, p2 = map(int, sys.argv[2:5])
chunks, rows, bad = [], [], []
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get('kind') == 'row':
        rows.append(r)
    elif r.get('kind') == 'mark' and r['mark'] == 'chunk_end':
        chunks.append((r['pos'], rows)); rows = []
seen = {}
for pos, rs in chunks:
    f, off, row = pos
    if f != 1 or row != 0: bad.append('pos %r' % pos)
    for r in rs:
        if r['pos'] != pos: bad.append('row pos %r != chunk %r' % (r['pos'], pos))
        i, v = r['after']
        seen[i] = seen.get(i, 0) + 1
        gen = v // 100000
        # generation 0: before the first change; 1: after it; 2: after the second
        want = [(p0 <= off < p1), (p1 <= off < p2), (off >= p2)]
        if not want[gen]:
            bad.append('id %d v %d at watermark %d (p0 %d p1 %d p2 %d)' % (i, v, off, p0, p1, p2))
    gens = {r['after'][1] // 100000 for r in rs}
    if len(gens) > 1: bad.append('chunk %r mixes generations %r' % (pos, gens))
n = len(seen)
print('rows', n, 'wms', len({tuple(p) for p, _ in chunks}), 'dups', sum(c - 1 for c in seen.values()), 'chunks', len(chunks),
      'max', max(len(rs) for _, rs in chunks), 'bad', len(bad))
for b in bad[:5]: print(b)
PY
expect_grep "$mode: every row's generation agrees with its chunk's watermark" ' bad 0$' "$T/check"
expect_grep "$mode: no row missing nor doubled, chunks of at most 150 rows" '^rows (1500|2500) wms [0-9]+ dups 0 chunks [0-9]+ max (1[0-4][0-9]|150|[0-9]{1,2}) ' "$T/check"
grep -v '^rows' "$T/check" | head -5 | sed 's/^/# /'
cat "$T/check" | head -1 | sed 's/^/# /'
expect_grep "$mode: watermarks" "$( [ $mode = lock ] && echo ' wms 1 ' || echo ' wms ([2-9]|[1-9][0-9]+) ')" "$T/check"
done
