#!/bin/sh
# A rerun of mc-snapshot from its checkpoint after the table's split key
# changed between the runs (the primary key moved to other columns, or
# another --split-key): the checkpoint's chain holds a value of the old
# key, which the rerun took as the new key's, and rows were lost or read
# twice with exit 0. The checkpoint now records the split key beside the
# chain (split.table.DB.T: columns, types, collations) and a rerun on
# another key is refused (exit 1, naming the table and both keys); a
# checkpoint without the line (an older mc-snapshot's) resumes as before,
# with a warning. Reruns with other --threads, --chunk-rows, --chunk-bytes
# or --tables lose and double no row.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
load() {
	sql "DROP DATABASE IF EXISTS p; CREATE DATABASE p; USE p;
	CREATE TABLE t (id INT NOT NULL, v INT NOT NULL, w VARCHAR(10) NOT NULL, PRIMARY KEY(id), UNIQUE KEY(v));
	INSERT INTO t SELECT seq, 3001 - seq, 'x' FROM seq_1_to_3000;
	CREATE TABLE u (k VARCHAR(20) NOT NULL PRIMARY KEY);
	INSERT INTO u SELECT CONCAT('k', seq) FROM seq_1_to_500;" || fail "the tables" "sql failed"
}
# first: a slow run (1 thread, chunks of 100) killed once p.t's checkpoint
# names a finished chunk
first() {
	rm -f "$T/ck"
	mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --max-rate=1500 \
		--checkpoint="$T/ck" >"$T/one.mcr" 2>"$T/one.err" &
	pid=$!
	wait_for '^table\.p\.t after' "$T/ck" 50 || fail "the first run's chunks" "no checkpoint"
	kill -KILL $pid
	wait $pid 2>/dev/null
	mc-cat "$T/one.mcr" >"$T/one.jsonl" 2>/dev/null
}
# combine TWO: the killed run's chunks of p.t up to the one the rerun's
# first chunk continues, and the rerun's (docs/mc-snapshot.md "Resume"):
# "rows distinct" of p.t
combine() {
	mc-cat "$1" >"$T/two.jsonl" || return 1
	python3 - "$T/one.jsonl" "$T/two.jsonl" <<'PY'
import json, sys
def chunks(f):
    out, pend = [], []
    for l in open(f):
        r = json.loads(l)
        if r.get('table') != 't': continue
        if r.get('kind') == 'row': pend.append(r['after'][0])
        elif r.get('kind') == 'mark' and r['mark'] == 'chunk_end':
            lo, hi = r['label'][1:-1].split(', ', 1)
            out.append((lo, hi, pend)); pend = []
    return out
a, b = chunks(sys.argv[1]), chunks(sys.argv[2])
if b and b[0][0] != '-inf':
    while a and a[-1][1] != b[0][0]: a.pop()
else:
    a = []
rows = [k for c in a + b for k in c[2]]
print(len(rows), len(set(rows)))
PY
}

load
first
expect_grep "the checkpoint records the split key beside the chain" '^split\.table\.p\.t `id` int$' "$T/ck"
cp "$T/ck" "$T/ck.first"
sql "ALTER TABLE p.t DROP PRIMARY KEY, ADD PRIMARY KEY (v), ADD UNIQUE KEY (id)" || fail "the ALTER" "sql failed"
expect_code 1 "a rerun after the primary key moved to other columns: exit 1" \
	mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --checkpoint="$T/ck"
expect_grep "... naming the table, the recorded key and the key now, and the way out" \
	"^mc-snapshot: '$T/ck': table 'p.t': the checkpoint resumes its snapshot after a value of the split key \(\`id\` int\), but the table splits on \(\`v\` int\) now .*--split-key=p.t:COLUMNS .*remove the lines 'table.p.t' and 'split.table.p.t' from the checkpoint" "$T/err"
expect_eq "... nothing written" "$(wc -c <"$T/out")" 0
expect_eq "... the checkpoint unchanged" "$(cksum <"$T/ck")" "$(cksum <"$T/ck.first")"

expect_ok "the rerun on the recorded key, still unique (--split-key=p.t:id)" \
	mc-snapshot $MDB_ARGS --databases=p --split-key=p.t:id --threads=1 --chunk-rows=100 --checkpoint="$T/ck"
expect_eq "... with the killed run: every row of p.t once" "$(combine "$T/out")" "3000 3000"

# the other way out: the table's lines removed, its snapshot again whole
cp "$T/ck.first" "$T/ck"
grep -v 'p\.t ' "$T/ck.first" >"$T/ck"
expect_ok "the table's lines removed: the rerun reads it whole" \
	mc-snapshot $MDB_ARGS --databases=p --threads=2 --chunk-rows=100 --checkpoint="$T/ck"
expect_eq "... every row once" "$(combine "$T/out")" "3000 3000"
expect_grep "... and records the new key" '^split\.table\.p\.t `v` int$' "$T/ck"

# another --split-key on the rerun, the table unchanged
load
first
cp "$T/ck" "$T/ck.first"
expect_code 1 "a rerun with another --split-key: exit 1" \
	mc-snapshot $MDB_ARGS --databases=p --split-key=p.t:v --checkpoint="$T/ck"
expect_grep "... naming both keys" "table 'p.t': the checkpoint resumes its snapshot after a value of the split key \(\`id\` int\), but the table splits on \(\`v\` int\) now" "$T/err"
expect_code 1 "... also one the table's key completes (v, id)" \
	mc-snapshot $MDB_ARGS --databases=p --split-key=p.t:w --checkpoint="$T/ck"
expect_grep "... naming it" "the table splits on \(\`w\` varchar\(10\) COLLATE utf8mb4_general_ci, \`id\` int\) now" "$T/err"

# a checkpoint of an older mc-snapshot (no split line): resumed as before,
# with a warning
grep -v '^split\.' "$T/ck.first" >"$T/ck"
expect_ok "a checkpoint without the split key's line resumes" \
	mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --checkpoint="$T/ck"
expect_grep "... with a warning that it cannot tell the key" \
	"^mc-snapshot: .*'$T/ck': table 'p.t': the checkpoint does not say which split key its chain is of .*resuming on \(\`id\` int\)" "$T/err"
expect_eq "... every row once" "$(combine "$T/out")" "3000 3000"

# other options on the rerun: threads, chunk sizes, a narrower --tables
cp "$T/ck.first" "$T/ck"
expect_ok "a rerun of p.u only (--tables)" \
	mc-snapshot $MDB_ARGS --databases=p --tables='^p\.u$' --checkpoint="$T/ck"
expect_grep "... leaves p.t's chain as it was" "^table\.p\.t $(grep '^table\.p\.t ' "$T/ck.first" | cut -d' ' -f2- | sed 's/\t/./g')$" "$T/ck"
expect_ok "a rerun with other --threads, --chunk-rows, --chunk-bytes" \
	mc-snapshot $MDB_ARGS --databases=p --threads=3 --chunk-rows=700 --chunk-bytes=2K --checkpoint="$T/ck"
expect_eq "... every row of p.t once" "$(combine "$T/out")" "3000 3000"
expect_eq "... both tables done" "$(grep -c '^table\.p\.[tu] done$' "$T/ck")" 2
expect_grep "... a string key recorded with its collation" '^split\.table\.p\.u `k` varchar\(20\) COLLATE utf8mb4_general_ci$' "$T/ck"
